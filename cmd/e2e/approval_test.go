package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mounted says whether dir is a mount point on the host.
func mounted(t *testing.T, dir string) bool {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == dir {
			return true
		}
	}
	return false
}

// applyEvents parses omapply -json's stdout: "type resource action" per
// event (the outcome with its status), checking each line is an event.
func applyEvents(t *testing.T, stdout string) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var ev struct {
			Type      string   `json:"type"`
			Message   string   `json:"@message"`
			Resource  string   `json:"resource"`
			Action    string   `json:"action"`
			ElapsedMS *int64   `json:"elapsed_ms"`
			Output    []string `json:"output"`
			Status    string   `json:"status"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || ev.Message == "" {
			t.Fatalf("line %q is no event: %v", sc.Text(), err)
		}
		if ev.Type == "apply_complete" && (ev.ElapsedMS == nil || ev.Output == nil) {
			t.Fatalf("%s %s: no elapsed_ms or output", ev.Type, ev.Resource)
		}
		out = append(out, strings.Join(strings.Fields(strings.Join([]string{ev.Type, ev.Resource, ev.Action, ev.Status}, " ")), " "))
	}
	return slices.DeleteFunc(out, func(s string) bool { return strings.HasPrefix(s, "diagnostic") })
}

// An omapply nobody approves changes nothing: no address plumbed, no loop
// file made, nothing mounted. A saved plan of -target web.fs#data then
// applies without a prompt the filesystem and the disk under it only,
// and -json -auto-approve the rest, each step started and completed.
func TestApplyWithoutApprovalLeavesTheNodeAsItWas(t *testing.T) {
	l := newWebLab(t)
	untouched := func(after string) {
		t.Helper()
		if _, err := os.Stat(l.file); err == nil || hasAddr(t, l.node, "198.18.2.10") || mounted(t, l.mnt) {
			t.Fatalf("%s changed the node: loop file made %t, address plumbed %t, mounted %t",
				after, err == nil, hasAddr(t, l.node, "198.18.2.10"), mounted(t, l.mnt))
		}
	}
	for _, args := range [][]string{nil, {"-input=false"}} {
		r := l.run("omapply", args...)
		if r.code != 1 || !strings.Contains(r.out, "Plan: 4 to start") || !strings.Contains(r.err, "the plan above was not applied, nothing changed") {
			t.Fatalf("omapply %v without a terminal: %s", args, r)
		}
		untouched("omapply " + strings.Join(args, " "))
	}
	if r := l.run("omapply", "-json"); r.code != 1 || r.out != "" || !strings.Contains(r.err, "-json needs -auto-approve or a saved plan") {
		t.Fatalf("omapply -json: %s", r)
	}
	untouched("omapply -json")

	saved := filepath.Join(t.TempDir(), "fs.plan")
	out := l.must("omplan", "-target", "web.fs#data", "-out", saved)
	if !strings.Contains(out, "# web.fs#data will be") || !strings.Contains(out, "# web.disk#data will be") || strings.Contains(out, "web.ip#0") || strings.Contains(out, "web.app#web") {
		t.Fatalf("omplan -target web.fs#data plans other than the fs and its disk:\n%s", out)
	}
	want := []string{"plan",
		"apply_start web.disk#data provision", "apply_complete web.disk#data provision",
		"apply_start web.disk#data start", "apply_complete web.disk#data start",
		"apply_start web.fs#data provision", "apply_complete web.fs#data provision",
		"apply_start web.fs#data start", "apply_complete web.fs#data start",
		"outcome applied"}
	if got := applyEvents(t, l.must("omapply", "-json", saved)); !slices.Equal(got, want) {
		t.Fatalf("omapply -json PLANFILE: events\n got %q\nwant %q", got, want)
	}
	if losetupJ(t, l.file) == "" || !mounted(t, l.mnt) || hasAddr(t, l.node, "198.18.2.10") {
		t.Fatalf("after -target web.fs#data: loop attached %t, mounted %t, address plumbed %t; want the disk and fs only",
			losetupJ(t, l.file) != "", mounted(t, l.mnt), hasAddr(t, l.node, "198.18.2.10"))
	}

	want = []string{"plan",
		"apply_start web.ip#0 start", "apply_complete web.ip#0 start",
		"apply_start web.app#web start", "apply_complete web.app#web start",
		"outcome applied"}
	if got := applyEvents(t, l.must("omapply", "-json", "-auto-approve")); !slices.Equal(got, want) {
		t.Fatalf("omapply -json -auto-approve: events\n got %q\nwant %q", got, want)
	}
	page, err := l.peer.Exec(filepath.Join(l.apps, "demoweb"), "get", "http://198.18.2.10:8080/")
	if err != nil || !strings.Contains(page, "Hello from demoweb") {
		t.Fatalf("app not answering on the service address: %v %s", err, page)
	}
}
