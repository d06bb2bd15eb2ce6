package e2e

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// crashRounds is how many times each command is killed.
const crashRounds = 5

// A command killed with -9 part way through a container service's start
// or stop, then run again at once, must succeed at its first try and
// converge the service: up and served after omapply, nothing left after
// om stop. The kill points are drawn across each command's measured
// duration. In odd rounds the kill reaches only the command's front
// process, a shell here (as it would reach sudo, ssh or a CI runner's
// shell): the command runs on, and the one run again meets it.
// In even rounds the command dies, and the engine finishes what it asked
// (a container being created, started or stopped). On docker and podman.
func TestMicroContainersCommandAfterAKillSucceeds(t *testing.T) {
	forEachEngine(t, commandAfterAKill)
}

func commandAfterAKill(t *testing.T, l *engineLab) {
	applyTook := l.timed("omapply", "-auto-approve", l.config)
	stopTook := l.timed("om", "micro", "stop")
	t.Logf("omapply took %s, om micro stop %s", applyTook, stopTook)
	var refused []string
	for i := range crashRounds {
		front := i%2 == 1
		refused = append(refused, l.afterAKill(randBelow(applyTook), front, "omapply", "-auto-approve", l.config)...)
		l.assertServed(i)
		refused = append(refused, l.afterAKill(randBelow(stopTook), front, "om", "micro", "stop")...)
		l.assertStopped(i)
		if t.Failed() {
			break
		}
	}
	if len(refused) > 0 {
		t.Errorf("%d of %d commands run right after a kill failed at their first try:\n%s",
			len(refused), 2*crashRounds, strings.Join(refused, "\n"))
	}
}

// afterAKill kills a command after d (its front process only when front),
// runs it again at once and returns why that failed, if it did (the
// command is then run a third time, for the service to converge).
func (l *engineLab) afterAKill(d time.Duration, front bool, bin string, args ...string) []string {
	l.t.Helper()
	k := l.killAt(d, front, bin, args...)
	r := l.run(bin, args...)
	k.wait()
	if r.code == 0 {
		return nil
	}
	l.must(bin, args...)
	return []string{fmt.Sprintf("%s after %s: %s", bin, k, firstLine(r.err))}
}

// killed is a command killed with -9.
type killed struct {
	at, ran time.Duration
	front   bool
	done    chan struct{}
}

func (k *killed) String() string {
	switch {
	case k.ran < k.at:
		return fmt.Sprintf("it ended in %s, before its kill at %s", k.ran.Round(time.Millisecond), k.at.Round(time.Millisecond))
	case k.front:
		return fmt.Sprintf("a kill of its front process at %s", k.at.Round(time.Millisecond))
	}
	return fmt.Sprintf("a kill at %s", k.at.Round(time.Millisecond))
}

// wait waits until the command is gone, its own process too when only
// its front process was killed.
func (k *killed) wait() { <-k.done }

// killAt starts a command as this node and kills it with SIGKILL after d,
// unless it ended first; with front, only its front process is killed.
func (l *engineLab) killAt(d time.Duration, front bool, bin string, args ...string) *killed {
	l.t.Helper()
	// nsenter execs the binary: its pid is the command's. A shell forks
	// it, and waits.
	argv := append([]string{"nsenter", "--net=" + l.ns.Path, filepath.Join(binDir, bin)}, args...)
	if front {
		argv = append([]string{"sh", "-c", `"$@"; exit $?`, "sh"}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "OMHCL_NODE="+l.name, "OMHCL_STATE_DIR="+l.state, "OMHCL_CONFIG="+l.config, "NO_COLOR=1")
	// The output goes to a pipe of its own: it ends once every process
	// holding it is gone, the command that outlived its front one too.
	r, w, err := os.Pipe()
	if err != nil {
		l.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	begin := time.Now()
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		l.t.Fatal(err)
	}
	k := &killed{at: d, front: front, done: make(chan struct{})}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		k.ran = time.Since(begin)
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(d):
		cmd.Process.Kill()
		<-exited
	}
	go func() {
		out, _ := io.ReadAll(r)
		r.Close()
		l.t.Logf("%s %s, %s:\n%s", bin, strings.Join(args, " "), k, out)
		close(k.done)
	}()
	return k
}

// assertServed checks the service runs: the page served, a second plan
// empty.
func (l *engineLab) assertServed(round int) {
	l.t.Helper()
	if body, err := l.getSoon(); err != nil || body != l.page {
		l.t.Errorf("round %d: after omapply the client got %q (%v)", round, body, err)
	}
	if out := l.must("omplan", "-detailed-exitcode", l.config); !strings.Contains(out, "No changes") {
		l.t.Errorf("round %d: a plan after omapply is not empty:\n%s", round, out)
	}
}

// assertStopped checks that om stop left no container and no link.
func (l *engineLab) assertStopped(round int) {
	l.t.Helper()
	if left := l.containers(); len(left) > 0 {
		l.t.Errorf("round %d: containers left after om micro stop: %v", round, left)
	}
	if links := l.ns.Run(l.t, "ip", "-o", "link"); strings.Count(links, "\n") != 2 {
		l.t.Errorf("round %d: the node holds other links than lo and prd0 after om micro stop:\n%s", round, links)
	}
}

// timed runs a command that must succeed and returns how long it took.
func (l *engineLab) timed(bin string, args ...string) time.Duration {
	l.t.Helper()
	begin := time.Now()
	l.must(bin, args...)
	return time.Since(begin)
}

// randBelow is a random duration in [0, d).
func randBelow(d time.Duration) time.Duration { return time.Duration(rand.Int64N(int64(d))) }

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
