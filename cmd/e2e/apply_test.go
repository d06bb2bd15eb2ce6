package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

func TestPlanApplyConvergesAndIsSafeToRunTwice(t *testing.T) {
	l := newWebLab(t)
	r := l.run("omplan", "-detailed-exitcode")
	if r.code != 2 || !strings.Contains(r.out, "will be provisioned and started") {
		t.Fatalf("first plan: %s", r)
	}
	out := l.must("omapply", "-auto-approve")
	if !strings.Contains(out, "Apply complete!") {
		t.Fatalf("apply: %s", out)
	}
	page, err := l.peer.Exec(filepath.Join(l.apps, "demoweb"), "get", "http://198.18.2.10:8080/")
	if err != nil || !strings.Contains(page, "Hello from demoweb") {
		t.Fatalf("app not answering on the service address: %v %s", err, page)
	}
	if r := l.run("omplan", "-detailed-exitcode"); r.code != 0 || !strings.Contains(r.out, "No changes.") {
		t.Fatalf("plan after apply: %s", r)
	}
	out = l.must("omapply", "-auto-approve")
	if strings.Contains(out, "@ n:") {
		t.Fatalf("second apply ran driver calls:\n%s", out)
	}
}

func TestSavedPlanIsRefusedWhenStaleOrReused(t *testing.T) {
	l := newWebLab(t)
	planFile := filepath.Join(t.TempDir(), "web.plan")
	l.must("omplan", "-out", planFile)
	l.must("omapply", planFile)
	if r := l.run("omapply", planFile); r.code != 1 || !strings.Contains(r.err, "already applied") {
		t.Fatalf("reapplying a plan: %s", r)
	}
	stale := filepath.Join(t.TempDir(), "stale.plan")
	l.must("omplan", "-desired", "down", "-out", stale)
	l.must("om", "web", "stop", "--rid", "app#web") // the node moves on
	if r := l.run("omapply", stale); r.code != 1 || !strings.Contains(r.err, "changed since the plan was made") {
		t.Fatalf("applying a stale plan: %s", r)
	}
	tree := l.must("om", "status")
	if _, st := statustree.FlagsAndStatus(t, tree, "ip#0"); st != "up" {
		t.Fatal("the refused plan changed something")
	}
}

func TestFailedStartRollsBackInReverse(t *testing.T) {
	l := newWebLab(t)
	l.configure("/bin/false")
	r := l.run("omapply", "-auto-approve")
	if r.code != 1 || !strings.Contains(r.err, "start of app#web failed") ||
		!strings.Contains(r.err, "rolled back: stopped fs#data, disk#data, ip#0") {
		t.Fatalf("failed start: %s", r)
	}
	tree := l.must("om", "status")
	for _, rid := range []string{"ip#0", "disk#data", "fs#data", "app#web"} {
		if _, st := statustree.FlagsAndStatus(t, tree, rid); st != "down" {
			t.Errorf("%s is %s after the rollback", rid, st)
		}
	}
	if loops := losetupJ(t, l.file); loops != "" {
		t.Fatalf("loop device leaked after rollback: %s", loops)
	}
}

func TestSecondApplyWaitsForTheLockThenFails(t *testing.T) {
	l := newWebLab(t)
	lock := filepath.Join(l.state, "services", "web", "lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o700); err != nil {
		t.Fatal(err)
	}
	holder := exec.Command("flock", lock, "sleep", "5")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	r := l.run("omapply", "-auto-approve", "--lock-timeout", "700ms")
	waited := time.Since(start)
	if r.code != 1 || !strings.Contains(r.err, "locked by another run") {
		t.Fatalf("apply under a held lock: %s", r)
	}
	if waited < 700*time.Millisecond {
		t.Fatalf("gave up after %s, before the lock timeout", waited)
	}
	if loops := losetupJ(t, l.file); loops != "" {
		t.Fatal("the locked-out apply changed something")
	}
}

// TestKill9MidApplyThenConverge kills omapply while the app's start runs;
// the next apply finishes the job with nothing leaked or doubled.
func TestKill9MidApplyThenConverge(t *testing.T) {
	l := newWebLab(t)
	marker := filepath.Join(t.TempDir(), "starting")
	l.configure("/bin/sh -c 'touch " + marker + "; sleep 60'")
	cmd := exec.Command("nsenter", "--net="+l.ns.Path, filepath.Join(binDir, "omapply"), "-auto-approve")
	cmd.Env = append(os.Environ(), "OMHCL_NODE=demo1", "OMHCL_STATE_DIR="+l.state, "OMHCL_CONFIG="+l.config)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// the app's start runs in its own process group: end it with the test
	t.Cleanup(func() { exec.Command("pkill", "-f", marker).Run() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(marker); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the app start never began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()

	l.configure("")
	l.must("omapply", "-auto-approve")
	tree := l.must("om", "status")
	for _, rid := range []string{"ip#0", "disk#data", "fs#data", "app#web"} {
		if _, st := statustree.FlagsAndStatus(t, tree, rid); st != "up" {
			t.Errorf("%s is %s after the second apply", rid, st)
		}
	}
	if loops := strings.Split(losetupJ(t, l.file), "\n"); len(loops) != 1 {
		t.Fatalf("want exactly one loop device on the backing file, got %q", loops)
	}
	mounts := strings.Count(disklab.Run(t, "cat", "/proc/self/mountinfo"), " "+l.mnt+" ")
	if mounts != 1 {
		t.Fatalf("%s mounted %d times", l.mnt, mounts)
	}
	if r := l.run("omplan", "-detailed-exitcode"); r.code != 0 {
		t.Fatalf("not converged after the second apply: %s", r)
	}
}

// TestSnapshotPlanMatchesTheNode: a runner without the node's resources,
// given om status --json, plans exactly what the node plans.
func TestSnapshotPlanMatchesTheNode(t *testing.T) {
	l := newWebLab(t)
	l.must("omapply", "-auto-approve")
	l.configure(l.apps + "/weblauncher start ${fs.data.mnt} ${ip.0.ipaddr}:8081")
	snap := filepath.Join(t.TempDir(), "status.json")
	if err := os.WriteFile(snap, []byte(l.must("om", "status", "--json")), 0o644); err != nil {
		t.Fatal(err)
	}
	onNode := planSteps(t, l.must("omplan", "-json"))
	cmd := exec.Command(filepath.Join(binDir, "omplan"), "-json", "--snapshot", snap, l.config)
	cmd.Env = append(os.Environ(), "OMHCL_STATE_DIR="+t.TempDir()) // not the node's
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snapshot plan: %v: %s", err, stderrOf(err))
	}
	fromSnap := planSteps(t, string(out))
	if len(onNode) == 0 || !slices.Equal(onNode, fromSnap) {
		t.Fatalf("node plan %q, snapshot plan %q", onNode, fromSnap)
	}
}

func planSteps(t *testing.T, doc string) []string {
	t.Helper()
	var p struct {
		Node  string `json:"node"`
		Steps []struct {
			Address, Action string
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	out := []string{p.Node}
	for _, s := range p.Steps {
		out = append(out, s.Action+" "+s.Address)
	}
	return out
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}
