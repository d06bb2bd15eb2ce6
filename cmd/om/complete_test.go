package main

import (
	"slices"
	"strings"
	"testing"
)

// complete runs what a shell's tab runs, "om __completeNoDesc WORDS...
// PARTIAL", and returns the candidates, checking the directive line.
func (n *node) complete(words ...string) []string {
	n.t.Helper()
	out := n.must(append([]string{"__completeNoDesc"}, words...)...)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, ":") {
		n.t.Fatalf("om __completeNoDesc %q: no directive line in\n%s", words, out)
	}
	return lines[:len(lines)-1]
}

func TestCompletion(t *testing.T) {
	n := newNode(t) // web1 (app#web), web2, db
	n.write("web.hcl", n.read("web.hcl")+`
service "web3" {
  nodes = ["demo1"]
  app "a" {
    start = "true"
  }
  sync "data" {
    src    = ["/srv/data"]
    target = ["nodes"]
  }
}
`)
	for _, c := range []struct {
		words     []string
		want, not []string
	}{
		// first word: commands and services
		{[]string{""}, []string{"start", "status", "version", "web1", "web2", "db"}, nil},
		{[]string{"w"}, []string{"web1", "web2", "web3"}, []string{"start", "db"}},
		// after a service, the commands that take one (print for the
		// seed's "print status"), not daemon, mon nor the services
		{[]string{"web1", ""}, []string{"start", "stop", "status", "print", "sync", "set"}, []string{"daemon", "mon", "version", "web2", "agent"}},
		{[]string{"web1", "st"}, []string{"start", "status", "stop"}, []string{"set"}},
		{[]string{"web1", "print", ""}, []string{"status"}, nil},
		{[]string{"web1", "set", ""}, []string{"provisioned", "unprovisioned"}, []string{"web1"}},
		// --rid from the service's resources, in both orders
		{[]string{"web1", "start", "--rid", ""}, []string{"app#web"}, []string{"app#a"}},
		{[]string{"--config", n.config, "web3", "stop", "--rid", ""}, []string{"app#a", "sync#data"}, []string{"app#web"}},
		{[]string{"start", "web1", "--rid", ""}, []string{"app#web"}, nil},
		{[]string{"web*", "stop", "--rid", "app#"}, []string{"app#web", "app#a"}, []string{"sync#data"}},
		{[]string{"web3", "start", "--rid", "app#a,"}, []string{"app#a,sync#data"}, []string{"app#a,app#a"}},
		{[]string{"web3", "sync", "update", "--rid", ""}, []string{"sync#i0", "sync#data"}, []string{"app#a"}},
		// command first: service names, none for create's new one
		{[]string{"stop", ""}, []string{"web1", "web2", "db"}, nil},
		{[]string{"stop", "web1", ""}, []string{"web2"}, []string{"web1"}},
		{[]string{"set", "provisioned", ""}, []string{"web1"}, nil},
		{[]string{"create", ""}, nil, []string{"web1"}},
		{[]string{"web1", "start", "--l"}, []string{"--local", "--lock-timeout"}, nil},
	} {
		got := n.complete(c.words...)
		for _, w := range c.want {
			if !slices.Contains(got, w) {
				t.Errorf("om %s<TAB>: want %q among %q", strings.Join(c.words, " "), w, got)
			}
		}
		for _, w := range c.not {
			if slices.Contains(got, w) {
				t.Errorf("om %s<TAB>: want no %q among %q", strings.Join(c.words, " "), w, got)
			}
		}
	}

	// with descriptions, as bash and zsh ask by default
	out := n.must("__complete", "web1", "sta")
	if !strings.Contains(out, "start\tStart services") {
		t.Errorf("om __complete web1 sta: want start with its description, got\n%s", out)
	}
	// a configuration that does not load completes nothing, and says nothing
	n.write("broken.hcl", "service {")
	r := n.om("__completeNoDesc", "w")
	if r.code != 0 || strings.Contains(r.out, "web1") || strings.Contains(r.err, "broken.hcl") {
		t.Errorf("om __completeNoDesc w on a broken configuration: want exit 0, no names, no diagnostics; got %s", r)
	}
}

func TestVersion(t *testing.T) {
	n := newNode(t)
	n.write("version.hcl", "service \"version\" {\n  nodes = [\"demo1\"]\n}\n")
	// a plain go build (the test's) is "devel"; make build stamps it
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		if out := n.must(args...); !strings.HasPrefix(out, "om devel (") {
			t.Errorf("om %s: want \"om devel (...)\", got %q", args[0], out)
		}
	}
	if out := n.must("version", "--json"); !strings.Contains(out, `"version": "devel"`) {
		t.Errorf("om version --json: got %q", out)
	}
	// "version" is the command: a service of that name is named after it
	if out := n.must("status", "version"); !strings.Contains(out, "version") {
		t.Errorf("om status version: got %q", out)
	}
}
