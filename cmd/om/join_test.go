package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/cluster"
	"github.com/omhcl/omhcl/testfixtures/daemonproc"
)

// The secret never goes on om daemon join's command line: --secret is
// refused with the ways that keep it off, and each of them (a file,
// stdin, $OMHCL_SECRET) carries it to a real daemon, which then joins a
// real member.
func TestJoinTakesTheSecretOffTheCommandLine(t *testing.T) {
	_, n2, member, secret := twoDaemons(t)

	r := n2.fails("--secret is refused", "daemon", "join", "--secret", secret, "--node", member)
	for _, want := range []string{"/proc/PID/cmdline", "--secret-file FILE", "--secret-file - (stdin)", "$OMHCL_SECRET"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("the refusal of --secret does not name %q: %s", want, r.err)
		}
	}
	if strings.Contains(r.err+r.out, secret) {
		t.Errorf("the refusal echoes the secret: %s", r)
	}
	n2.fails("the cluster secret is required: --secret-file FILE, --secret-file - (stdin) or $OMHCL_SECRET", "daemon", "join", "--node", member)
	bad := n2.fails("is not 32 hex digits", "daemon", "join", "--secret-file", writeSecret(t, "0123-not-a-secret", 0o600), "--node", member)
	if strings.Contains(bad.err, "0123-not-a-secret") {
		t.Errorf("a malformed secret is echoed: %s", bad.err)
	}

	file := filepath.Join(t.TempDir(), "secret")
	for _, way := range []struct {
		name string
		run  func(secret string) result
	}{
		{"--secret-file FILE", func(s string) result {
			os.WriteFile(file, []byte(s+"\n"), 0o600)
			return n2.om("daemon", "join", "--secret-file", file, "--node", member)
		}},
		{"--secret-file -", func(s string) result { return joinWatched(t, n2, s, member) }},
		{"$OMHCL_SECRET", func(s string) result {
			n2.env = []string{"OMHCL_NODE=demo2", "OMHCL_SECRET=" + s}
			defer func() { n2.env = []string{"OMHCL_NODE=demo2"} }()
			return n2.om("daemon", "join", "--node", member)
		}},
	} {
		t.Run(way.name, func(t *testing.T) {
			// another cluster's secret first: the daemon adopts what
			// this way carried, and finds no member with it
			other := cluster.NewSecret()
			if r := way.run(other); r.code != 1 || adopted(t, n2) != other {
				t.Fatalf("another secret: exit %d, the daemon holds the one given: %v\n%s", r.code, adopted(t, n2) == other, r)
			}
			if r := way.run(secret); r.code != 0 || !strings.Contains(r.out, "adopt the cluster secret") || adopted(t, n2) != secret {
				t.Fatalf("the cluster's secret: the daemon holds it: %v\n%s", adopted(t, n2) == secret, r)
			}
			waitAlive(t, n2, "demo1")
		})
	}
	if r := n2.om("daemon", "join", "--secret-file", writeSecret(t, secret, 0o644), "--node", member); r.code != 0 || !strings.Contains(r.err, "readable by other users (mode 0644)") {
		t.Errorf("a secret file others can read: want a warning, and the join done: %s", r)
	}
}

// joinWatched runs om daemon join --secret-file - as n, and reads its
// command line, as any local user can, while it waits for the secret on
// its stdin: the secret must not be there.
func joinWatched(t *testing.T, n *node, secret, member string) result {
	t.Helper()
	cmd := exec.Command(omBin, "daemon", "join", "--secret-file", "-", "--node", member)
	cmd.Env = append(os.Environ(), "OMHCL_STATE_DIR="+n.state, "NO_COLOR=1")
	cmd.Env = append(cmd.Env, n.env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Start returns once the child is released from vfork, which the
	// kernel does before it sets the new program's arguments: until then
	// its cmdline reads empty.
	var argv []byte
	for end := time.Now().Add(time.Second); len(argv) == 0 && err == nil && time.Now().Before(end); time.Sleep(time.Millisecond) {
		argv, err = os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid))
	}
	if err != nil || !strings.Contains(string(argv), "--secret-file") || strings.Contains(string(argv), secret) {
		t.Errorf("the command line of om daemon join as others see it: %q (%v): want no secret in it", argv, err)
	}
	io.WriteString(in, secret+"\n")
	in.Close()
	r := result{}
	if err := cmd.Wait(); err != nil {
		r.code = cmd.ProcessState.ExitCode()
	}
	r.out, r.err = out.String(), errb.String()
	t.Logf("om daemon join --secret-file - (secret on stdin)\n%s", r)
	return r
}

// writeSecret writes s to a new file with mode.
func writeSecret(t *testing.T, s string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(s+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode) // past the umask
	return p
}

// adopted is the secret n's daemon saved.
func adopted(t *testing.T, n *node) string {
	t.Helper()
	c, err := cluster.Load(n.state)
	if err != nil {
		t.Fatal(err)
	}
	return c.Secret
}

// twoDaemons starts the daemons of demo1 (n1) and demo2 (n2, its
// commands run as demo2), not joined yet: demo1's gossip address, and
// its cluster secret.
func twoDaemons(t *testing.T) (n1, n2 *node, member, secret string) {
	t.Helper()
	n1, n2 = newNode(t), newNode(t)
	n2.env = []string{"OMHCL_NODE=demo2"}
	member = startNamedDaemon(t, n1, "demo1")
	startNamedDaemon(t, n2, "demo2")
	return n1, n2, member, strings.TrimSpace(n1.must("cluster", "get", "--kw", "cluster.secret"))
}

// waitAlive waits until n's daemon sees peer alive.
func waitAlive(t *testing.T, n *node, peer string) {
	t.Helper()
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		r := n.om("daemon", "status")
		if _, alive, ok := strings.Cut(r.out, "alive:"); ok && strings.Contains(alive, " "+peer) {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s does not see %s alive: %s", n.env, peer, r)
		}
	}
}

// startNamedDaemon runs "om daemon run" as node name on a free loopback
// port, and returns its gossip address.
func startNamedDaemon(t *testing.T, n *node, name string) string {
	t.Helper()
	return daemonproc.Start(t, omBin, name, n.state, true)
}
