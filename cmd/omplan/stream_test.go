package main

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestStreamAsWhole: omplan --snapshot plans service by service; what it
// prints (stdout, stderr) and its exit code are those of the plan made
// from the whole configuration, on good and failing configurations and
// snapshots.
func TestStreamAsWhole(t *testing.T) {
	good := map[string]string{
		"a.hcl": `service "svc2" {
  nodes = ["n1"]
  ip "0" {
    ipname  = "198.18.0.2"
    ipdev   = "br0"
    netmask = "24"
  }
  app "web" {
    start = "/bin/true ${ip.0.ipaddr}"
  }
}
service "svc1" {
  nodes = ["n2", "n1"]
  fs "tmp" {
    type = "tmpfs"
    mnt  = "/srv/${service.name}"
  }
}
`,
		"b.hcl": ipNoHost,
	}
	cases := map[string]map[string]string{
		"good": good,
		"warning": {"a.hcl": good["a.hcl"], "b.hcl": ipNoHost + `service "svc3" {
  nodes = ["n1"]
  container "0" {
    type = "xen"
  }
}
`},
		"load error": {"a.hcl": good["a.hcl"], "b.hcl": `service "svc3" {
  nodes = ["n1"]
  ip "0" {
    ipnam = "198.18.0.3/24"
  }
}
`},
		"duplicate": {"a.hcl": good["a.hcl"], "b.hcl": good["a.hcl"]},
		"plan error": {"a.hcl": good["a.hcl"], "b.hcl": `service "svc0" {
  nodes = ["n1"]
  disk "1" {
    type = "lv"
    name = "app"
    vg   = "omtnovg-stream"
  }
}
`},
	}
	snapshots := map[string]string{
		"empty":          `{"format_version": "1.0", "node": "n1", "services": []}`,
		"up":             `{"format_version":"1.0","node":"n1","services":[{"service":"svc2","node":"n1","status":"up","role":"primary","resources":[{"rid":"ip#0","kind":"ip","type":"host","status":"up","provisioned":true,"exposed":{"ipaddr":"198.18.0.2"},"applied":{"ipname":"198.18.0.9","ipdev":"br0","netmask":"24"}},{"rid":"app#web","kind":"app","type":"simple","status":"up","provisioned":true,"applied":{"start":"/bin/true 198.18.0.9"}}]}]}`,
		"other node":     `{"format_version": "1.0", "node": "n2", "services": []}`,
		"broken service": `{"format_version":"1.0","node":"n1","services":[{"service":"svc2","status":5}]}`,
		"broken other":   `{"format_version":"1.0","node":"n1","services":[{"service":"zzz","status":"up","resources":[{"restart":000}]}]}`,
		"extra key":      `{"format_version":"1.0","node":"n1","services":[{"service":"svc2","new":1}]}`,
		"version":        `{"format_version": "2.0", "node": "n1", "services": []}`,
		"syntax":         `{"format_version": "1.0", "node": "n1", "services": [}`,
	}
	variable := regexp.MustCompile(`(?m)^  "(id|created_at)": .*$`)
	for name, files := range cases {
		dir := t.TempDir()
		for f, src := range files {
			if err := os.WriteFile(filepath.Join(dir, f), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for sname, doc := range snapshots {
			snap := filepath.Join(t.TempDir(), "live.json")
			if err := os.WriteFile(snap, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"--snapshot", snap, "-detailed-exitcode", dir},
				{"--snapshot", snap, "-json", dir},
				{"--snapshot", snap, "--node", "n2", "-desired", "down", dir},
				{"--snapshot", snap + ".missing", dir},
			} {
				wholeOnly = true
				wout, werr, wcode := omplan(t, args...)
				wholeOnly = false
				sout, serr, scode := omplan(t, args...)
				wout, sout = variable.ReplaceAllString(wout, ""), variable.ReplaceAllString(sout, "")
				if sout != wout || serr != werr || scode != wcode {
					t.Errorf("%s, snapshot %s, %v: streamed exit %d\n%s\n%s\nwhole exit %d\n%s\n%s", name, sname, args, scode, sout, serr, wcode, wout, werr)
				}
			}
		}
	}
}
