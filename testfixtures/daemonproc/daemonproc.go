// Package daemonproc runs `om daemon run` as a process of its own for a
// test, on a free loopback port, as a user would start it, until the test
// ends.
package daemonproc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/loopback"
)

// Start runs om's daemon as node on stateDir (the fast profile when fast)
// and returns its gossip address once `om daemon status` answers. A
// daemon that exits at once (another test took its port meanwhile) is
// started again on another port, up to 5 times. Its output is logged
// when the test fails.
func Start(t testing.TB, om, node, stateDir string, fast bool) string {
	t.Helper()
	env := append(os.Environ(), "OMHCL_NODE="+node, "OMHCL_STATE_DIR="+stateDir)
	for range 5 {
		addr := fmt.Sprintf("127.0.0.1:%d", loopback.FreePortPair(t))
		argv := []string{"daemon", "run", "--bind", addr}
		if fast {
			argv = append(argv, "--profile", "fast")
		}
		cmd := exec.Command(om, argv...)
		cmd.Env = env
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		stop := func() { cmd.Process.Kill(); <-exited }
		if answers(om, env, exited) {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("%s's daemon:\n%s", node, log.String())
				}
			})
			return addr
		}
		stop()
		t.Logf("%s's daemon on %s did not answer:\n%s", node, addr, log.String())
	}
	t.Fatalf("%s's daemon did not start", node)
	return ""
}

// answers waits up to 15 s for `om daemon status` to answer, false at
// once when the daemon exited.
func answers(om string, env []string, exited <-chan struct{}) bool {
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		select {
		case <-exited:
			return false
		default:
		}
		status := exec.Command(om, "daemon", "status")
		status.Env = env
		if status.Run() == nil {
			return true
		}
	}
	return false
}
