package clusterlab

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// cpuTime returns the user plus system CPU time pid has used.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseUint(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime %q %q", pid, f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// rssKB returns pid's resident set size (VmRSS) in kB.
func rssKB(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// Idle is a daemon's cost while nothing happens.
type Idle struct {
	Node   string
	RSSKB  int64   // VmRSS at the end of the window
	CPUPct float64 // CPU time over the window, in % of one CPU
}

// IdleCost measures every running daemon over the window d: CPU time used
// (utime+stime) and resident memory at the end.
func (r *Rig) IdleCost(d time.Duration) ([]Idle, error) {
	type start struct {
		node string
		pid  int
		cpu  time.Duration
	}
	var starts []start
	for _, n := range r.Nodes {
		pid := r.DaemonPID(n.Name)
		if pid == 0 {
			continue
		}
		cpu, err := cpuTime(pid)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", n.Name, err)
		}
		starts = append(starts, start{n.Name, pid, cpu})
	}
	began := time.Now()
	time.Sleep(d)
	elapsed := time.Since(began)
	var out []Idle
	for _, s := range starts {
		cpu, err := cpuTime(s.pid)
		if err != nil {
			return nil, fmt.Errorf("%s: the daemon died during the idle window: %v", s.node, err)
		}
		rss, err := rssKB(s.pid)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.node, err)
		}
		out = append(out, Idle{Node: s.node, RSSKB: rss, CPUPct: 100 * float64(cpu-s.cpu) / float64(elapsed)})
	}
	return out, nil
}
