package daemon

import (
	"testing"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
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
