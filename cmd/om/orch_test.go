package main

import (
	"strings"
	"testing"

	"github.com/omhcl/omhcl/wire"
)

// A switch that does not get done says why: where the service runs, and
// the first line of what failed on a node (a stop its libvirtd refused),
// not only "see om mon".
func TestWhyNotDoneNamesTheFailure(t *testing.T) {
	s := &wire.MonService{Name: "web", Running: []string{"node2"}, Instances: map[string]*wire.InstanceReport{
		"node1": {Note: "start done"},
		"node2": {Note: "stop failed: web: stop of container#vm failed: libvirtd at /run/libvirt/libvirt-sock: connection refused\nweb: skip rollback"},
	}}
	got := whyNotDone(s)
	for _, want := range []string{"running on node2", "node2: stop failed", "connection refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("whyNotDone = %q, want it to say %q", got, want)
		}
	}
	if strings.Contains(got, "\n") || strings.Contains(got, "node1") || strings.Contains(got, "skip rollback") {
		t.Errorf("whyNotDone = %q: one line, the failures only", got)
	}
	if got := whyNotDone(&wire.MonService{}); got != " (running nowhere)" {
		t.Errorf("whyNotDone of a service running nowhere = %q", got)
	}
}
