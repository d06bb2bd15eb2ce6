package daemon

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/omhcl/omhcl/wire"
)

// readFacts measures the node: the 15-minute load per cpu and the memory
// in use give a score from 100 (idle) down to 0.
func readFacts() wire.Facts {
	var f wire.Facts
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if fields := strings.Fields(string(b)); len(fields) >= 3 {
			f.Load15, _ = strconv.ParseFloat(fields[2], 64)
		}
	}
	total, avail := meminfo()
	if total > 0 {
		f.MemPct = int(100 * (total - avail) / total)
		f.MemGB = float64(total) / (1 << 20)
	}
	loadPerCPU := min(f.Load15/float64(runtime.NumCPU()), 1)
	f.Score = max(0, int(100-50*loadPerCPU-50*float64(f.MemPct)/100))
	return f
}

func meminfo() (total, avail int64) {
	fh, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			total = v
		case "MemAvailable:":
			avail = v
		}
	}
	return total, avail
}

// tags are the node's serf tags: the peer API port and its facts.
func (d *Daemon) tags() map[string]string {
	f := readFacts()
	_, port, _ := net.SplitHostPort(d.peerAddr())
	return map[string]string{
		"peer":  port,
		"score": strconv.Itoa(f.Score),
		"load":  fmt.Sprintf("%.2f", f.Load15),
		"mem":   strconv.Itoa(f.MemPct),
	}
}
