package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/testfixtures/disklab"
)

// omplan runs the command in-process and returns stdout, stderr and the
// exit code main would give.
func omplan(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &cli.Env{Out: &out, Err: &errb, NoColor: true}
	root := newRoot(e)
	root.SetArgs(cli.TerraformFlags(args))
	root.SilenceUsage, root.SilenceErrors = true, true
	err := root.Execute()
	code := 0
	var exit cli.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.Code
	case err != nil:
		code = 1
		if !errors.Is(err, cli.ErrReported) {
			errb.WriteString(err.Error())
		}
	}
	t.Logf("omplan %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return out.String(), errb.String(), code
}

// config writes one service file and returns its directory.
func config(t *testing.T, hcl string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "svc.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

const lvNoSize = `service "svc1" {
  nodes = ["n1"]

  disk "1" {
    type = "lv"
    name = "app"
    vg   = "%s"
  }
}
`

// TestPlanErrorsAreDiagnostics: a plan whose provision must fail (an lv to
// create without size) exits 1 with the error at the block in the file,
// and -json carries it in diagnostics, not as an operation.
func TestPlanErrorsAreDiagnostics(t *testing.T) {
	vg := disklab.Unique("omtnovg")
	dir := config(t, strings.Replace(lvNoSize, "%s", vg, 1))
	state := t.TempDir()
	_, stderr, code := omplan(t, "--node", "n1", "--state-dir", state, "-detailed-exitcode", dir)
	if code != 1 || !strings.Contains(stderr, "svc.hcl line 4") || !strings.Contains(stderr, "size is required to create lv "+vg+"/app") {
		t.Errorf("plan of an lv without size: exit %d, stderr:\n%s\nwant exit 1 and the size error at line 4", code, stderr)
	}
	stdout, _, code := omplan(t, "--node", "n1", "--state-dir", state, "-json", dir)
	var doc plan.Plan
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("-json output: %v\n%s", err, stdout)
	}
	if code != 1 || !doc.Errored || len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Severity != "error" ||
		doc.Diagnostics[0].Range == nil || doc.Diagnostics[0].Range.Start.Line != 4 {
		t.Errorf("-json: exit %d, errored %v, diagnostics %+v; want exit 1, errored, one error at line 4", code, doc.Errored, doc.Diagnostics)
	}
	for _, c := range doc.Changes {
		for _, op := range c.Operations {
			if strings.HasPrefix(op, "error") {
				t.Errorf("%s: operation %q is an error", c.Address, op)
			}
		}
	}
}

// TestPlanSeesAnExistingVG: the seed's flow, a vg made by hand and not yet
// provisioned by omhcl, plans what apply does with it (nothing to create),
// without asking for pvs; a vg that does not exist needs them.
func TestPlanSeesAnExistingVG(t *testing.T) {
	disklab.RequireRoot(t)
	disklab.RequireLVM(t)
	vg, _ := disklab.LoopVG(t, "omtseen")
	hcl := `service "svc1" {
  nodes = ["n1"]

  disk "0" {
    type = "vg"
    name = "` + vg + `"
  }
}
`
	stdout, stderr, code := omplan(t, "--node", "n1", "--state-dir", t.TempDir(), "-detailed-exitcode", config(t, hcl))
	if code != 2 || !strings.Contains(stdout, "vg "+vg+" already exists, skip create") || strings.Contains(stdout+stderr, "pvs") {
		t.Errorf("plan of an existing vg: exit %d, want 2 and the skip of its creation", code)
	}
	missing := strings.Replace(hcl, vg, disklab.Unique("omtmiss"), 1)
	_, stderr, code = omplan(t, "--node", "n1", "--state-dir", t.TempDir(), config(t, missing))
	if code != 1 || !strings.Contains(stderr, "pvs is required to create vg") {
		t.Errorf("plan of a missing vg without pvs: exit %d, want 1 and the pvs error", code)
	}
}

const ipNoHost = `service "svc1" {
  nodes = ["n1"]

  ip "0" {
    ipname = "omhcl-test.invalid"
    ipdev  = "br0"
    netmask = "24"
  }
}
`

// TestUnresolvedNameIsAWarningFromASnapshot: a name that does not resolve
// fails the plan on the node, but is only a warning that says why when a
// CI runner plans from the node's snapshot.
func TestUnresolvedNameIsAWarningFromASnapshot(t *testing.T) {
	dir := config(t, ipNoHost)
	_, stderr, code := omplan(t, "--node", "n1", "--state-dir", t.TempDir(), dir)
	if code != 1 || !strings.Contains(stderr, "Error: ") || !strings.Contains(stderr, `resolve ipname "omhcl-test.invalid"`) {
		t.Errorf("plan on the node: exit %d, want 1 and the resolution error", code)
	}
	snap := filepath.Join(t.TempDir(), "live.json")
	if err := os.WriteFile(snap, []byte(`{"format_version": "1.0", "node": "n1", "services": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := omplan(t, "--snapshot", snap, "-detailed-exitcode", dir)
	if code != 2 || !strings.Contains(stderr, "Warning: ") || !strings.Contains(stderr, "plan is made from a snapshot") || !strings.Contains(stderr, "Operation may fail on the node") ||
		!strings.Contains(stdout, "ip addr add (address of omhcl-test.invalid)/24 dev br0") {
		t.Errorf("plan from a snapshot: exit %d, want 2, a warning saying why and the plan", code)
	}
	stdout, _, code = omplan(t, "--snapshot", snap, "-json", dir)
	var doc plan.Plan
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if code != 0 || doc.Errored || len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Severity != "warning" {
		t.Errorf("-json from a snapshot: exit %d, errored %v, diagnostics %+v; want one warning", code, doc.Errored, doc.Diagnostics)
	}
}

// TestValidateRunsDriverChecks: validate fails on a value only the driver
// knows is bad, at the attribute, and warns of two filesystems on one
// device, by expression while the device is known only after apply.
func TestValidateRunsDriverChecks(t *testing.T) {
	hcl := `service "svc1" {
  nodes = ["n1", "n2"]

  disk "1" {
    type = "lv"
    name = "app"
    vg   = "vgsvc1"
    size = "-5g"
  }

  disk "2" {
    type = "lv"
    name = "data"
    vg   = "vgsvc1"
  }

  fs "app" {
    dev = disk.1.exposed_devs[0]
    mnt = "/svc1/app"
  }

  fs "data" {
    dev = "${disk.1.exposed_devs[0]}"
    mnt = "/svc1/data"
  }

  fs "logs" {
    dev = disk.2.exposed_devs[0]
    mnt = "/svc1/logs"
  }

  fs "bind1" {
    type = "none"
    dev  = "/srv/shared"
    mnt  = "/svc1/a"
  }

  fs "bind2" {
    type = "none"
    dev  = "/srv/shared"
    mnt  = "/svc1/b"
  }
}
`
	_, stderr, code := omplan(t, "validate", config(t, hcl))
	if code != 1 || !strings.Contains(stderr, "line 8") || !strings.Contains(stderr, `invalid size "-5g"`) {
		t.Errorf("validate with size -5g: exit %d, want 1 and the size error at line 8", code)
	}
	if n := strings.Count(stderr, "Error: "); n != 1 {
		t.Errorf("validate reported %d errors, want 1 (once, not per node)", n)
	}
	if n := strings.Count(stderr, "Warning: "); n != 1 || !strings.Contains(stderr, "fs#app and fs#data share one dev") {
		t.Errorf("validate: %d warnings, want 1: fs#app and fs#data on one device (not logs, nor the bind mounts)", n)
	}
	fixed := strings.Replace(strings.Replace(hcl, `size = "-5g"`, `size = "5g"`, 1), `"${disk.1.exposed_devs[0]}"`, "disk.2.exposed_devs[0]", 1)
	fixed = strings.Replace(fixed, "disk.2.exposed_devs[0]\n    mnt = \"/svc1/logs\"", "\"/dev/vgsvc1/logs\"\n    mnt = \"/svc1/logs\"", 1)
	stdout, stderr, code := omplan(t, "validate", config(t, fixed))
	if code != 0 || stderr != "" || !strings.Contains(stdout, "Success!") {
		t.Errorf("validate of the fixed configuration: exit %d, want 0 and no diagnostics", code)
	}
	known := strings.Replace(fixed, "disk.2.exposed_devs[0]", `"/dev/vgsvc1/logs"`, 1)
	_, stderr, _ = omplan(t, "validate", config(t, known))
	if !strings.Contains(stderr, "fs#data and fs#logs share one dev") || !strings.Contains(stderr, `"/dev/vgsvc1/logs"`) {
		t.Errorf("validate of two fs on one known device: want the warning naming the device")
	}
}
