package cluster

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
	"github.com/omhcl/omhcl/testfixtures/statustree"
)

// Issue 9's disaster-recovery scenario (examples/lab-drp): the service
// runs on one of its nodes, in a btrfs subvolume that sync.btrfs sends to
// the other node and to the drp node. A second sync sends only what
// changed. The node dies: the other node takes the service over, never
// the drp node; `om web takeover` on the drp node moves the service
// there, and it serves the page written before the last sync.
func TestClusterBtrfsSyncToADrpNode(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	h := deployService(t, lab, "examples/lab-drp/service.hcl")
	if h.holder == "node3" {
		t.Fatal("the daemons started the service on its drp node")
	}
	site := func(n string) string { return filepath.Join(lab.Root, n, "data", "site") }
	blob := make([]byte, 8<<20)
	rand.Read(blob)
	page := fmt.Sprintf("written on %s at %d\n", h.holder, time.Now().UnixNano())
	for name, b := range map[string][]byte{"blob": blob, "page.txt": []byte(page)} {
		if err := os.WriteFile(filepath.Join(site(h.holder), name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	waitCopied := func(file string, want []byte, nodes ...string) {
		t.Helper()
		deadline := time.Now().Add(settleWithin)
		for _, n := range nodes {
			for got, _ := os.ReadFile(filepath.Join(site(n), file)); !bytes.Equal(got, want); got, _ = os.ReadFile(filepath.Join(site(n), file)) {
				if time.Now().After(deadline) {
					t.Fatalf("%s did not get %s from %s's syncs within %s\n%s", n, file, h.holder, settleWithin, lab.Must(h.holder, "om", "web", "status"))
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
	waitCopied("page.txt", []byte(page), h.others(h.holder)...)
	waitCopied("blob", blob, h.others(h.holder)...)

	// 1 % of the data changed: the sync by hand sends about that much
	f, err := os.OpenFile(filepath.Join(site(h.holder), "blob"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	change := make([]byte, 80<<10)
	rand.Read(change)
	f.WriteAt(change, 1<<20)
	f.Close()
	out := lab.Must(h.holder, "om", "web", "sync", "update")
	sent := regexp.MustCompile(`(node\d): synced, ([0-9.]+) (bytes|kB|MB) sent`).FindAllStringSubmatch(out, -1)
	if len(sent) != 2 {
		t.Fatalf("sync update on %s: want a line per target:\n%s", h.holder, out)
	}
	for _, m := range sent {
		if m[3] == "MB" {
			t.Errorf("%s: an 80 kB change sent %s %s: want an incremental send\n%s", m[1], m[2], m[3], out)
		}
	}
	copy(blob[1<<20:], change)
	waitCopied("blob", blob, h.others(h.holder)...)

	// the seed's commands: a sync to the drp nodes alone, the
	// configuration's distribution forced
	if out := lab.Must(h.holder, "om", "web", "sync", "drp", "--rid", "sync#site", "--force"); !strings.Contains(out, "node3: synced") || strings.Contains(out, "node2: synced") || strings.Contains(out, "node1: synced") {
		t.Errorf("om web sync drp: want node3 alone synced:\n%s", out)
	}
	if out := lab.Must(h.holder, "om", "web", "sync", "nodes", "--rid", "sync#i0"); !strings.Contains(out, "every alive node holds it") {
		t.Errorf("om web sync nodes --rid sync#i0:\n%s", out)
	}
	if tree := lab.Must(h.holder, "om", "web", "status"); !strings.Contains(tree, "btrfs of") || !strings.Contains(tree, "node3: last sync") {
		t.Errorf("status of the sync:\n%s", tree)
	}

	dead := h.holder
	h.Kill(dead)
	second := h.waitServed("after "+dead+" died", dead)
	if second == "node3" {
		t.Fatal("the daemons failed the service over to its drp node")
	}
	h.settle("after the failover", second)

	lab.Must("node3", "om", "web", "takeover")
	if to := h.waitServed("after the takeover on node3", dead, second); to != "node3" {
		t.Fatalf("the takeover on node3 moved the service to %s", to)
	}
	body, err := h.Get(clusterlab.ServiceURL+"page.txt", 2*time.Second)
	if err != nil || body != page {
		t.Fatalf("node3 serves %q (%v), want the page written on %s before its last sync", body, err, dead)
	}

	// what the data channel refuses to receive
	name := "20261130T000000.000000000Z"
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"btrfs-receive", site("node3"), name, ""}, "web runs on node3"},
		{[]string{"btrfs-receive", "/etc", name, ""}, "/etc is the destination of no sync"},
		{[]string{"btrfs-receive", site("node3"), "../../etc", ""}, "not sync.btrfs snapshot names"},
	} {
		r := lab.Run(second, append([]string{"om", "node", "ssh", "node3"}, c.argv...)...)
		if r.Code != 126 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("om node ssh node3 %v: %+v, want refused: %s", c.argv, r, c.want)
		}
	}
}

// The site of the service's nodes is lost: both die at once. The drp node
// alone has no quorum, so it starts nothing on its own, and a plain
// takeover is refused: the nodes it lost could be a majority that still
// runs the service. `om web takeover --force` vouches they are down: the
// drp node serves the page written before the last sync. A vouched node
// that comes back counts again, finds the service running on the drp
// node, and gets the drp node's data through its syncs.
func TestClusterSiteLostTakeoverOnTheDrpNode(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	h := deployService(t, lab, "examples/lab-drp/service.hcl")
	site := func(n string) string { return filepath.Join(lab.Root, n, "data", "site") }
	page := fmt.Sprintf("written on %s at %d\n", h.holder, time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(site(h.holder), "page.txt"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(site("node3"), "page.txt"), page)

	lab.Kill("node1")
	lab.Kill("node2")
	h.waitLost("node3", true, "node1", "node2")
	h.unservedFor(quietFor, "its site lost and no operator's word")
	r := lab.Run("node3", "om", "web", "takeover", "--wait", "5s")
	if r.Code == 0 || !strings.Contains(r.Stderr, "takeover --force") || !strings.Contains(r.Stderr, "node1, node2") {
		t.Fatalf("a takeover on the drp node alone, without --force: %+v", r)
	}
	lab.Must("node3", "om", "web", "takeover", "--force")
	if to := h.waitServed("after om web takeover --force on node3", "node1", "node2"); to != "node3" {
		t.Fatalf("served by %s", to)
	}
	if body, err := h.Get(clusterlab.ServiceURL+"page.txt", 2*time.Second); err != nil || body != page {
		t.Fatalf("node3 serves %q (%v), want the page synced before the site was lost", body, err)
	}
	if mon := lab.Must("node3", "om", "mon"); !strings.Contains(mon, "vouched") {
		t.Errorf("om mon does not show the nodes vouched down:\n%s", mon)
	}
	// the operator's word survives a restart of node3's daemon: it does
	// not fence what the operator started
	lab.KillDaemon("node3")
	lab.StartDaemon("node3")
	lab.Check(lab.WaitDaemon("node3", settleWithin))
	h.stillServedBy("node3", "through the startup wait and grace of node3's restarted daemon")
	if body, err := h.Get(clusterlab.ServiceURL+"page.txt", 2*time.Second); err != nil || body != page {
		t.Fatalf("after node3's daemon restarted: %q (%v)", body, err)
	}

	// node1 comes back: it counts again, the service stays on node3, and
	// node3's syncs bring node1's copy up to date. Its daemon starts
	// before its link is back, so its first contacts fail ("no route to
	// host"), and node3's daemon, restarted since node1 died, has not met
	// it: the daemons join it again every reconnect interval. Before,
	// each side tried once and the two stayed apart for good (make test).
	lab.StartDaemon("node1")
	lab.Check(lab.WaitDaemon("node1", settleWithin))
	time.Sleep(12 * time.Second) // serf's one-shot rejoin of each node it knew, and the daemon's first, fail meanwhile (4 s each)
	lab.Heal("node1")
	later := fmt.Sprintf("written on node3 at %d\n", time.Now().UnixNano())
	if err := os.WriteFile(filepath.Join(site("node3"), "later.txt"), []byte(later), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(site("node1"), "later.txt"), later)
	// node1 was killed while running the service: its sync stayed armed
	// in its record, but node1 does not run the service and sends nothing
	if r := lab.Run("node1", "om", "web", "sync", "update"); r.Code == 0 || !strings.Contains(r.Stderr, "paused, service not up on node1") {
		t.Errorf("a sync from the node killed while it ran the service: %+v", r)
	}
	if tree := lab.Must("node1", "om", "web", "status"); !strings.Contains(statustree.Line(tree, "sync#site"), "n/a") || !strings.Contains(tree, "paused, service not up") {
		t.Errorf("node1's sync after it came back:\n%s", tree)
	}
	if on, err := h.WaitSettled("web", settleWithin); err != nil || on != "node3" {
		t.Fatalf("after node1 came back: web runs on %q (%v)", on, err)
	}
	if mon := lab.Must("node3", "om", "mon"); strings.Contains(mon, "NO") {
		t.Errorf("node3 and node1 hold no quorum:\n%s", mon)
	}
}

// waitFile waits until path holds want.
func waitFile(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(settleWithin)
	for got, _ := os.ReadFile(path); string(got) != want; got, _ = os.ReadFile(path) {
		if time.Now().After(deadline) {
			t.Fatalf("%s does not hold %q after %s", path, want, settleWithin)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
