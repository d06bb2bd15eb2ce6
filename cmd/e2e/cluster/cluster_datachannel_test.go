package cluster

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// A failover service whose filesystem is a loop disk per node, mounted on
// the standby nodes too (standby = true), and a sync of it to the other
// nodes. %[1]s is the lab's root; paths are scoped per node, as the lab's
// nodes share one filesystem.
const syncService = `
service "data" {
  nodes = ["node1", "node2", "node3"]

  disk "d" {
    type    = "loop"
    file    = "%[1]s/${node.name}-data.img"
    size    = "32m"
    standby = true
  }

  fs "data" {
    type    = "ext4"
    dev     = disk.d.exposed_devs[0]
    mnt     = "%[1]s/${node.name}/data"
    standby = true
  }

  sync "0" {
    src      = [fs.data.mnt]
    target   = ["nodes"]
    interval = "2s"
  }
}
`

// The data channel carries the syncs: om data sync update on the node
// running the service copies its filesystem to the two others, with rsync
// through their daemons (SSH keyed by the cluster secret), each to its
// own mount point; a node that does not run it refuses to sync; a target
// whose filesystem is not mounted refuses to receive, and nothing lands
// in its mount point directory; status shows the last sync per target.
func TestClusterSyncThroughTheDataChannel(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	src := fmt.Sprintf(syncService, lab.Root)
	res, err := lab.Deploy("node1", "data.hcl", []byte(src))
	lab.Check(err)
	lab.Check(res.Err())
	for _, n := range []string{"node2", "node3"} {
		// standby: the filesystem mounted
		waitApplied(t, lab, n)
	}
	// sync#i0: the daemons hold the configuration's generation on every
	// node of the service
	waitConfigSync(t, lab, "node1", "up", []string{"config generation 1 (", "to nodes"})

	mnt := func(n string) string { return filepath.Join(lab.Root, n, "data") }
	// frozen, the daemon's schedule (every 2s) copies nothing meanwhile:
	// the sync by hand below is the one that sends the blob; the first
	// waits for a scheduled one in progress
	lab.Must("node1", "om", "data", "freeze")
	lab.Must("node1", "om", "data", "sync", "update")
	data := make([]byte, 1<<20)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(mnt("node1"), "blob"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	out := lab.Must("node1", "om", "data", "sync", "update")
	for _, n := range []string{"node2", "node3"} {
		got, err := os.ReadFile(filepath.Join(mnt(n), "blob"))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s after the sync: %v (%d bytes, equal %v)\n%s", n, err, len(got), bytes.Equal(got, data), out)
		}
	}
	tree := lab.Must("node1", "om", "data", "status")
	if line := statustree.Line(tree, "sync#0"); !strings.Contains(line, "up") || !strings.Contains(tree, "node2: last sync") || !strings.Contains(tree, "MB sent") {
		t.Errorf("status of the sync after it:\n%s", tree)
	}

	r := lab.Run("node2", "om", "data", "sync", "update")
	if r.Code == 0 || !strings.Contains(r.Stderr, "paused, service not up on node2") {
		t.Errorf("a sync from a node that does not run the service: %+v", r)
	}

	// node3's filesystem unmounted: the copy would land in the mount
	// point's directory, on the filesystem below
	lab.Must("node3", "om", "data", "stop", "--local", "--rid", "fs#data")
	os.WriteFile(filepath.Join(mnt("node1"), "later"), []byte("x"), 0o644)
	r = lab.Run("node1", "om", "data", "sync", "update")
	if r.Code == 0 || !strings.Contains(r.Stderr, "not mounted on node3") {
		t.Errorf("a sync to a target whose filesystem is not mounted: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(mnt("node3"), "later")); err == nil {
		t.Error("the sync wrote into node3's unmounted mount point")
	}
	if _, err := os.Stat(filepath.Join(mnt("node2"), "later")); err != nil {
		t.Errorf("node2 did not get the new file while node3 refused: %v", err)
	}

	// the daemon of the node running the service syncs every interval
	lab.Must("node1", "om", "data", "thaw")
	if err := os.WriteFile(filepath.Join(mnt("node1"), "scheduled"), []byte("y"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(settleWithin)
	for _, err := os.Stat(filepath.Join(mnt("node2"), "scheduled")); err != nil; _, err = os.Stat(filepath.Join(mnt("node2"), "scheduled")) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon on node1 did not sync within %s (interval 2s)", settleWithin)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// a node the new generation does not reach lags on sync#i0: node1
	// no longer hears from node3 (node2 still does, so node3 stays alive)
	lab.Block("node1", "node3")
	res, err = lab.Deploy("node1", "data.hcl", []byte(strings.Replace(src, `interval = "2s"`, `interval = "2s" # generation 2`, 1)))
	lab.Check(err)
	lab.Check(res.Err())
	waitConfigSync(t, lab, "node1", "warn", []string{"config generation 2 (", "node3 reported generation 1 ("}, "node2")
	lab.Unblock("node1", "node3")
	waitConfigSync(t, lab, "node1", "up", []string{"config generation 2 ("})

	r = lab.Run("node1", "om", "node", "ssh", "node2", "touch", filepath.Join(mnt("node2"), "pwned"))
	if r.Code != 126 || !strings.Contains(r.Stderr, "only rsync --server") {
		t.Errorf("a command other than rsync --server: %+v", r)
	}
	r = lab.Run("node1", "om", "node", "ssh", "node2", "rsync", "--server", "-a", ".", "/etc/")
	if r.Code != 126 || !strings.Contains(r.Stderr, "/etc is the destination of no sync") {
		t.Errorf("rsync into a path no sync writes to: %+v", r)
	}
}

// waitApplied waits until omapply --auto-approve succeeds on node: once
// the cluster gave it the service's configuration.
func waitApplied(t *testing.T, lab *clusterlab.Lab, node string) {
	t.Helper()
	lab.Check(clusterlab.Await(settleWithin, "omapply --auto-approve to succeed on "+node+" (the configuration distributed there)", func() error {
		if r := lab.Run(node, "omapply", "--auto-approve"); r.Code != 0 {
			return fmt.Errorf("%+v", r)
		}
		return nil
	}))
}

// waitConfigSync waits until node's status of the data service shows its
// sync#i0 line in state, the line and its messages holding every one of
// words and none of not.
func waitConfigSync(t *testing.T, lab *clusterlab.Lab, node, state string, words []string, not ...string) {
	t.Helper()
	deadline := time.Now().Add(settleWithin)
	for {
		r, err := lab.Rig.Run(node, "om", "data", "status")
		lab.Check(err)
		tree := r.Stdout
		if i := strings.Index(tree, "sync#i0"); i >= 0 && statustree.Fields(tree[i:])[2] == state && containsAll(tree[i:], words) && !containsAny(tree[i:], not) {
			t.Logf("%s: sync#i0 %s:\n%s", node, state, tree[strings.LastIndex(tree[:i], "\n")+1:])
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: sync#i0 not %s with %q within %s:\n%s", node, state, words, settleWithin, r)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Issue 9's scenario (examples/lab-sync): the service runs on one node
// and writes to its filesystem; the daemon there syncs it to the two
// others; the node dies; the node that takes the service over serves the
// file written before the last sync.
func TestClusterSyncedDataSurvivesTheNode(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	h := deployService(t, lab, "examples/lab-sync/service.hcl")
	mnt := func(n string) string { return filepath.Join(lab.Root, n, "data") }
	page := fmt.Sprintf("written on %s at %d\n", h.holder, time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(mnt(h.holder), "page.txt"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(settleWithin)
	for _, n := range h.others(h.holder) {
		for got, _ := os.ReadFile(filepath.Join(mnt(n), "page.txt")); string(got) != page; got, _ = os.ReadFile(filepath.Join(mnt(n), "page.txt")) {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not get the page from %s's syncs within %s\n%s", n, h.holder, settleWithin, lab.Must(h.holder, "om", "web", "status"))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	dead := h.holder
	h.Kill(dead)
	to := h.waitServed("after "+dead+" died", dead)
	body, err := h.Get(clusterlab.ServiceURL+"page.txt", 2*time.Second)
	if err != nil || body != page {
		t.Fatalf("%s serves %q (%v), want the page written on %s before its last sync", to, body, err, dead)
	}
}

// syncKillService is syncService on two of the lab's three nodes (the
// third keeps the quorum when node2 dies), with room for the bigger
// version and a bandwidth limit that makes its sync last long enough to
// be killed in the middle. Its schedule stays out of the way (1h).
const syncKillService = `
service "data" {
  nodes = ["node1", "node2"]

  disk "d" {
    type    = "loop"
    file    = "%[1]s/${node.name}-data.img"
    size    = "128m"
    standby = true
  }

  fs "data" {
    type    = "ext4"
    dev     = disk.d.exposed_devs[0]
    mnt     = "%[1]s/${node.name}/data"
    standby = true
  }

  sync "0" {
    src      = [fs.data.mnt]
    target   = ["nodes"]
    bwlimit  = "%[2]s"
    interval = "1h"
  }
}
`

// A sync interrupted by killing its target leaves the previous copy
// usable. node1 syncs a first version of four files to node2, then
// newer, bigger ones, twice, and kills the target side in the middle of
// each sync, once the first new file is in place and the second on its
// way: first node2's daemon alone (kill -9), then the whole node (link
// cut, its rsync --server then every other process killed with -9). Each time
// the sync fails, within the data channel's timeout when nothing answers
// any more, and its status says so; node2's copy holds every file whole,
// each either its previous version or its new one, never a torn one:
// rsync writes each file to a hidden temporary name (.NAME.XXXXXX) and
// renames it into place. The copy mixes versions file by file: rsync
// makes no snapshot. The rsync --server of the killed daemon sees its
// channel end and removes its temporary file; the one killed with -9
// leaves it, hidden, and the next sync deletes it (--delete). Once node2
// is back, the next sync makes its copy equal to node1's.
func TestClusterSyncKilledTargetKeepsThePreviousCopy(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	const bwlimit = 16 << 10 // KiB/s: a version of 32 to 40 MiB takes 2 to 2.5 s
	res, err := lab.Deploy("node1", "data.hcl", []byte(fmt.Sprintf(syncKillService, lab.Root, fmt.Sprint(bwlimit))))
	lab.Check(err)
	lab.Check(res.Err())
	waitApplied(t, lab, "node2")
	src, dst := filepath.Join(lab.Root, "node1", "data"), filepath.Join(lab.Root, "node2", "data")
	names := []string{"f1", "f2", "f3", "f4"}
	write := func(size int, names ...string) map[string][]byte {
		v := map[string][]byte{}
		for _, n := range names {
			v[n] = make([]byte, size)
			rand.Read(v[n])
			if err := os.WriteFile(filepath.Join(src, n), v[n], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	prev := write(1<<20, names...)
	lab.Must("node1", "om", "data", "sync", "update")
	checkSynced(t, dst, prev)

	for _, c := range []struct {
		what       string
		kill       func()
		restart    func()
		names      []string // of the new version: f5 is new in the first
		leavesTemp bool
	}{
		{"its daemon killed",
			func() { lab.KillDaemon("node2") },
			func() { lab.StartDaemon("node2"); lab.Check(lab.Rig.WaitDaemon("node2", settleWithin)) },
			append(names, "f5"), false},
		{"the node killed",
			func() {
				// a machine that dies runs no cleanup at all; the lab
				// kills the node's processes one after the other, and an
				// rsync --server that outlived its daemon by a moment
				// would remove its temporary file: it goes first, once
				// the link is cut (nothing reaches node1 any more)
				lab.Cut("node2")
				pids, err := lab.Rig.FindProcess("node2", "rsync", "--server")
				lab.Check(err)
				for _, pid := range pids {
					syscall.Kill(pid, syscall.SIGKILL)
				}
				lab.Kill("node2")
			},
			func() { lab.Check(lab.Rig.Revive("node2", settleWithin)) },
			names, true},
	} {
		cur := write(8<<20, c.names...)
		if len(c.names) < len(prev) {
			os.Remove(filepath.Join(src, "f5"))
		}
		type outcome struct {
			res clusterlab.Result
			err error
		}
		done := make(chan outcome, 1)
		begin := time.Now()
		go func() {
			r, err := lab.Rig.Run("node1", "om", "data", "sync", "update")
			done <- outcome{r, err}
		}()
		// rsync sends the files in name order: the target side dies once
		// the new f1 is in place and f2 is on its way, in its temporary
		for {
			got, _ := os.ReadFile(filepath.Join(dst, "f1"))
			if _, temps := listCopy(t, dst, cur); bytes.Equal(got, cur["f1"]) && slices.ContainsFunc(temps, func(n string) bool { return strings.HasPrefix(n, ".f2.") }) {
				break
			}
			if time.Since(begin) > 20*time.Second {
				t.Fatalf("%s: node2 did not get the new f1, then f2's first bytes, within 20s", c.what)
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.kill()
		killed := time.Now()
		var o outcome
		select {
		case o = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the sync still runs 30s after", c.what)
		}
		lab.Check(o.err)
		t.Logf("%s: the sync failed %s after:\n%s", c.what, time.Since(killed).Round(time.Millisecond), o.res.Stderr)
		if o.res.Code == 0 || !strings.Contains(o.res.Stderr, "node2") {
			t.Errorf("%s: the sync: %+v", c.what, o.res)
		}
		tree := lab.Must("node1", "om", "data", "status")
		if !strings.Contains(tree, "node2: last sync") || !strings.Contains(tree, "then failed") {
			t.Errorf("%s: status after the failed sync:\n%s", c.what, tree)
		}
		// no rsync --server left writing into the copy
		for pids, _ := lab.Rig.FindProcess("node2", "rsync", "--server"); len(pids) > 0; pids, _ = lab.Rig.FindProcess("node2", "rsync", "--server") {
			if time.Since(killed) > 10*time.Second {
				t.Fatalf("%s: rsync --server still runs on node2 10s after the kill: %v", c.what, pids)
			}
			time.Sleep(50 * time.Millisecond)
		}
		versions, temps := checkCopy(t, dst, prev, cur)
		t.Logf("%s: node2's copy: %s; temporary files: %v", c.what, versions, temps)
		if !strings.Contains(versions, "f1 new") || !strings.Contains(versions, "previous") {
			t.Errorf("%s: the kill did not interrupt the sync in its middle: %s", c.what, versions)
		}
		// an rsync --server that sees its channel end removes the file it
		// was receiving; one killed with -9 cannot
		if c.leavesTemp != (len(temps) > 0) {
			t.Errorf("%s: temporary files left %v, want some: %v", c.what, temps, c.leavesTemp)
		}

		c.restart()
		lab.Must("node1", "om", "data", "sync", "update")
		checkSynced(t, dst, cur)
		if tree := lab.Must("node1", "om", "data", "status"); strings.Contains(tree, "then failed") {
			t.Errorf("%s: status after the next sync:\n%s", c.what, tree)
		}
		prev = cur
	}
}

// rsyncTemp is the name rsync gives a file while it receives it.
var rsyncTemp = regexp.MustCompile(`^\.(.+)\.[A-Za-z0-9]{6}$`)

// checkCopy checks that every file of dir is whole, equal to its
// version in prev or in cur, that no file of both is missing, and says
// which version each file is; it returns the rsync temporaries apart.
func checkCopy(t *testing.T, dir string, prev, cur map[string][]byte) (versions string, temps []string) {
	t.Helper()
	files, temps := listCopy(t, dir, cur)
	var v []string
	seen := map[string]bool{}
	for _, name := range files {
		seen[name] = true
		got, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case bytes.Equal(got, cur[name]):
			v = append(v, name+" new")
		case bytes.Equal(got, prev[name]):
			v = append(v, name+" previous")
		default:
			t.Errorf("%s: torn: %d bytes, neither version (%d or %d bytes)", name, len(got), len(prev[name]), len(cur[name]))
		}
	}
	for name := range prev {
		if !seen[name] && cur[name] != nil { // a file the new version dropped may be gone
			t.Errorf("%s: missing", name)
		}
	}
	return strings.Join(v, ", "), temps
}

// listCopy lists the files of dir, and apart the rsync temporaries of
// files of cur.
func listCopy(t *testing.T, dir string, cur map[string][]byte) (files, temps []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch m := rsyncTemp.FindStringSubmatch(e.Name()); {
		case e.Name() == "lost+found":
		case m != nil && cur[m[1]] != nil:
			temps = append(temps, e.Name())
		default:
			files = append(files, e.Name())
		}
	}
	return files, temps
}

// checkSynced checks that dir holds exactly the files of v.
func checkSynced(t *testing.T, dir string, v map[string][]byte) {
	t.Helper()
	versions, temps := checkCopy(t, dir, v, v)
	if len(temps) > 0 {
		t.Errorf("temporary files left after a good sync: %v", temps)
	}
	if n := strings.Count(versions, " new"); n != len(v) {
		t.Errorf("%d of %d files synced: %s", n, len(v), versions)
	}
}
