package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
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
		// standby: the filesystem mounted, once the cluster gave it the
		// configuration
		deadline := time.Now().Add(settleWithin)
		for r := lab.Run(n, "omapply", "--auto-approve"); r.Code != 0; r = lab.Run(n, "omapply", "--auto-approve") {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %+v", n, r)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	mnt := func(n string) string { return filepath.Join(lab.Root, n, "data") }
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
	if line := resourceLine(t, tree, "sync#0"); !strings.Contains(line, "up") || !strings.Contains(tree, "node2: last sync") || !strings.Contains(tree, "MB sent") {
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

	r = lab.Run("node1", "om", "node", "ssh", "node2", "touch", filepath.Join(mnt("node2"), "pwned"))
	if r.Code != 126 || !strings.Contains(r.Stderr, "only rsync --server") {
		t.Errorf("a command other than rsync --server: %+v", r)
	}
	r = lab.Run("node1", "om", "node", "ssh", "node2", "rsync", "--server", "-a", ".", "/etc/")
	if r.Code != 126 || !strings.Contains(r.Stderr, "/etc is the destination of no sync") {
		t.Errorf("rsync into a path no sync writes to: %+v", r)
	}
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
