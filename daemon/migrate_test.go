package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/omhcl/omhcl/wire"
)

const migratingService = `service "vm" {
  nodes = ["n1", "n2"]
  container "g" {
    type   = "kvm"
    kernel = "/boot/vmlinuz"
    uri    = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
    live_migrate = %s
  }
  ip "0" {
    ipname = "198.18.0.10/24"
    ipdev  = "br0"
  }
}
`

// The daemon's policy on a member's migration request, before the
// driver's own: what is refused, and why (the driver then refuses a
// resource without live_migrate, and reaches libvirtd only after).
func TestMigrationRequestPolicy(t *testing.T) {
	store := state.Open(t.TempDir())
	d := &Daemon{opts: Options{Node: "n2", Log: testLog{t}}, store: store, configs: newConfigStore(store),
		services: map[string]*serviceRun{}, reports: map[string]*wire.NodeReport{}}
	put := func(live string, gen int) {
		src := strings.Replace(migratingService, "%s", live, 1)
		src = strings.Replace(src, `nodes = ["n1", "n2"]`, `nodes = ["n1", "n2"]`+strings.Repeat(" ", gen), 1)
		if _, _, err := d.configs.ingest("vm", src, "n1"); err != nil {
			t.Fatal(err)
		}
	}
	put("true", 0)
	running := func(node string, up bool) *wire.NodeReport {
		return &wire.NodeReport{Node: node, Instances: map[string]*wire.InstanceReport{"vm": {Service: "vm", Running: up}}}
	}
	refused := func(name string, argv []string, want string) {
		t.Helper()
		_, err := d.authorizeData("n1", argv)
		t.Logf("%s: %v", name, err)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want a refusal saying %q", name, err, want)
		}
	}
	refused("a plain request", []string{providers.MigrateVerb, "vm"}, "a migration request is migrate-in SERVICE RID")
	refused("another service", providers.MigrateRequest("other", "container#g"), "no service other here")
	refused("another resource", providers.MigrateRequest("vm", "container#h"), "vm has no resource container#h on n2")
	refused("a resource that does not migrate", providers.MigrateRequest("vm", "ip#0"), "vm.ip#0 is not a resource that migrates")
	refused("from a node not running it", providers.MigrateRequest("vm", "container#g"), "n1 does not run vm as n2 last heard")
	d.reports["n1"] = running("n1", true)
	d.local = running("n2", true)
	refused("into a node running it", providers.MigrateRequest("vm", "container#g"), "vm runs on n2: nothing migrates over it")
	d.local = running("n2", false)
	put("false", 1)
	refused("into a resource without live_migrate", providers.MigrateRequest("vm", "container#g"), "does not say live_migrate = true here")
	put("true", 2)
	refused("libvirtd down", providers.MigrateRequest("vm", "container#g"), "/nonexistent/libvirt-sock")
}

// Once a migration took the service away, this node says it no longer
// runs it at once, and a round that observed the guest before it left
// does not say otherwise; one begun after says what it sees.
func TestMigratedAwayIsNotRunning(t *testing.T) {
	d, err := New(testOptions(t, t.TempDir(), "fast"))
	if err != nil {
		t.Fatal(err)
	}
	up := &plan.LiveInstance{Service: "vm", Role: "primary", Resources: []*plan.LiveResource{{RID: "container#g", Kind: "container", Status: providers.Up}}}
	before := time.Now()
	d.local = &wire.NodeReport{Node: "n1", Instances: map[string]*wire.InstanceReport{"vm": d.localInstance("vm", up, before)}}
	if !d.runsHere("vm") {
		t.Fatal("the service does not run here before the migration")
	}
	d.mu.Lock()
	run := d.run("vm")
	run.endedAt, run.ranHere = time.Now(), false // as actFor leaves a migration
	d.migratedAway()
	d.mu.Unlock()
	if d.runsHere("vm") {
		t.Error("the report still says the service runs here after the migration")
	}
	if d.localInstance("vm", up, before).Running {
		t.Error("an observation begun before the migration ended says the service runs here")
	}
	if !d.localInstance("vm", up, time.Now()).Running {
		t.Error("an observation begun after the migration does not say what it saw")
	}
	d.work.Wait() // the report made anew, for its digest
}
