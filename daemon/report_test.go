package daemon

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/wire"
)

// A sync's status says nothing of whether the service runs: a node killed
// while running it keeps its sync armed and its records fresh, and came
// back looking as if it ran the service. Only a service with nothing but
// standby resources beside its syncs runs where they are armed.
func TestArmedSyncsDoNotMakeAnInstanceRun(t *testing.T) {
	armed := &plan.Values{}
	sync := &plan.LiveResource{RID: "sync#0", Kind: "sync", Arms: true, Status: providers.Up, Applied: armed}
	fs := &plan.LiveResource{RID: "fs#0", Kind: "fs", Standby: true, Status: providers.Up}
	ip := &plan.LiveResource{RID: "ip#0", Kind: "ip", Status: providers.Down}
	if instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{ip, fs, sync}}).Running {
		t.Error("an armed sync made an instance whose address is down look running")
	}
	if !instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{fs, sync}}).Running {
		t.Error("a service of standby resources and an armed sync does not run where the sync is armed")
	}
	up := *ip
	up.Status = providers.Up
	if !instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{&up, fs, sync}}).Running {
		t.Error("an instance with its address up does not run")
	}
	disarmed := *sync
	disarmed.Applied, disarmed.Status = nil, providers.NA
	if instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{fs, &disarmed}}).Running {
		t.Error("a disarmed sync made the instance look running")
	}
}

// A resource this node started whose state cannot be read now (undef:
// its libvirtd killed, the guest still running) keeps the service
// counted as running here: read as running nowhere, the node started it
// again in a loop (each start planned nothing), and a peer could have.
// One never started here says nothing.
func TestUnreadableResourceStartedHereCountsAsRunning(t *testing.T) {
	vm := &plan.LiveResource{RID: "container#vm", Kind: "container", Status: providers.Undef, Applied: &plan.Values{}}
	if !instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{vm}}).Running {
		t.Error("a guest started here whose libvirtd does not answer counts as not running")
	}
	never := *vm
	never.Applied = nil
	if instanceReport(&plan.LiveInstance{Resources: []*plan.LiveResource{&never}}).Running {
		t.Error("a guest never started here whose libvirtd does not answer counts as running")
	}
}

// A peer's news is fresh only from a poll sent after its rejoin, within a
// lease, made while it held quorum past its settling time: the survivor
// of a partition must not stop its copy on anything older.
func TestPeerFreshOnlyFromCurrentNews(t *testing.T) {
	d := leaseDaemon(t)
	now := time.Now()
	rejoined := now.Add(-2 * time.Second)
	alive := member{Name: "node1", Status: "alive", Since: rejoined}
	settled := d.settleTime().Milliseconds()
	for _, c := range []struct {
		name string
		m    member
		r    *wire.NodeReport
		want bool
	}{
		{"no report", alive, nil, false},
		{"polled before the rejoin", alive, &wire.NodeReport{Sent: rejoined.Add(-time.Millisecond), Received: now, Quorum: true, QuorumForMs: settled}, false},
		{"older than a lease", alive, &wire.NodeReport{Sent: rejoined.Add(time.Millisecond), Received: now.Add(-d.timings.Lease - time.Millisecond), Quorum: true, QuorumForMs: settled}, false},
		{"without quorum (fencing)", alive, &wire.NodeReport{Sent: rejoined.Add(time.Millisecond), Received: now, Quorum: false}, false},
		{"quorum regained a moment ago", alive, &wire.NodeReport{Sent: rejoined.Add(time.Millisecond), Received: now, Quorum: true, QuorumForMs: settled - 1}, false},
		{"failed in serf", member{Name: "node1", Status: "failed", Since: rejoined}, &wire.NodeReport{Sent: now, Received: now, Quorum: true, QuorumForMs: settled}, false},
		{"current", alive, &wire.NodeReport{Sent: rejoined.Add(time.Millisecond), Received: now, Quorum: true, QuorumForMs: settled}, true},
	} {
		if c.r == nil {
			delete(d.reports, "node1")
		} else {
			d.reports["node1"] = c.r
		}
		if got := d.peerFresh("node1", c.m); got != c.want {
			t.Errorf("%s: fresh = %v, want %v", c.name, got, c.want)
		}
	}

	// A report older than a lease stays current news while the peer's
	// beacon answers carry its digest: its quorum age grows with them.
	old := now.Add(-d.timings.Lease - 100*time.Millisecond)
	r := &wire.NodeReport{Sent: rejoined.Add(time.Millisecond), Received: old, Quorum: true, QuorumForMs: settled - 50, Digest: 7}
	d.reports["node1"] = r
	d.peerDigests.note("node1", 8, now.Add(-10*time.Millisecond))
	if d.peerFresh("node1", alive) {
		t.Error("fresh on a beacon that carries another digest: the report changed since")
	}
	if !d.pollDue("node1", now) {
		t.Error("no poll due for a report whose digest changed")
	}
	d.peerDigests.note("node1", 7, now.Add(-5*time.Millisecond))
	if !d.peerFresh("node1", alive) {
		t.Error("not fresh although a beacon answer confirmed the report a moment ago")
	}
	if d.pollDue("node1", now) {
		t.Error("a poll due for a report the beacons confirm")
	}
	if due := d.pollDue("node1", now.Add(d.timings.Lease)); !due {
		t.Error("no poll due when the beacons stopped confirming the report")
	}
}

// The digest a reporter computes of its report is the one its peers
// compute of the report they decode: else every beacon would ask a poll.
func TestReportDigestSurvivesTheWire(t *testing.T) {
	for _, r := range []*wire.NodeReport{
		{Node: "n1", Instances: map[string]*wire.InstanceReport{}, LinkLoss: map[string]int{}},
		{Node: "n1", Quorum: true, QuorumEpoch: 3, Instances: map[string]*wire.InstanceReport{"web": {Service: "web", Running: true,
			Resources: []wire.ResourceBrief{{RID: "ip#1"}}}}, Running: map[string][]string{"web": {"n1"}, "db": nil}, LinkLoss: map[string]int{"n2": 3}},
	} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back wire.NodeReport
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if reportDigest(r) != reportDigest(&back) {
			t.Errorf("digest changed over the wire for %s", b)
		}
		moved := back
		moved.QuorumEpoch++
		if reportDigest(&moved) == reportDigest(&back) {
			t.Error("a quorum regained leaves the digest as it was")
		}
	}
}
