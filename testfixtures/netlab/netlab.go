// Package netlab builds throwaway network labs for tests: named network
// namespaces joined by veth pairs and bridges, with addresses from
// 198.18.0.0/15. Everything a helper creates is removed by t.Cleanup, even
// when the test fails. The helpers never touch the host's own interfaces:
// every link lives in a namespace the test created.
package netlab

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

var counter atomic.Int64

// UniqueName returns prefix followed by the process id and a per-process
// counter, cut to at most max characters by shortening the prefix (interface
// names allow 15). Names stay unique across parallel test processes.
func UniqueName(prefix string, max int) string {
	suffix := fmt.Sprintf("%d-%d", os.Getpid(), counter.Add(1))
	if keep := max - len(suffix) - 1; keep < len(prefix) {
		if keep < 0 {
			keep = 0
		}
		prefix = prefix[:keep]
	}
	if prefix == "" {
		return suffix
	}
	return prefix + "-" + suffix
}

var (
	netnsOnce sync.Once
	netnsErr  error
)

// RequireRoot skips the test unless it runs as root on a machine where
// `ip netns` works (the lab needs both).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: creates network namespaces, veth pairs and addresses")
	}
	netnsOnce.Do(func() { netnsErr = probeNetns() })
	if netnsErr != nil {
		t.Skipf("network namespaces unusable on this machine: %v", netnsErr)
	}
}

// probeNetns creates and deletes a namespace to learn whether `ip netns`
// works here (it needs iproute2 and a kernel with network namespaces).
func probeNetns() error {
	name := UniqueName("nlprobe", 32)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns add %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns del %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}
