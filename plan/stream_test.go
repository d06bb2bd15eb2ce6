package plan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// A plan made service by service (plan.Stream) is the plan Make makes,
// rendered alike byte for byte, with the same diagnostics in the same
// order: on every example, for each of its nodes and desired states, and
// on services benchgen generates with their snapshot.
func TestStreamAsMake(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*")
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel() // a name to resolve may wait on the resolver
			cfg, diags := lang.Load(dir)
			if diags.HasErrors() {
				t.Fatalf("%s: %v", dir, diags)
			}
			for _, node := range append(cfg.AllNodes(), "elsewhere") {
				for _, target := range []plan.Target{"", plan.TargetDown, plan.TargetProvision, plan.TargetUnprovision} {
					opts := plan.Options{Node: node, Target: target}
					compareStream(t, dir, cfg, plan.Snapshot{Live: &plan.Live{}}, opts)
				}
			}
		})
	}
}

func TestStreamAsMakeGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 300 services")
	}
	dir := generate(t, 300)
	services := filepath.Join(dir, "services")
	cfg, diags := lang.Load(services)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []plan.Target{"", plan.TargetDown, plan.TargetUnprovision} {
		var live plan.Live
		if err := json.Unmarshal(doc, &live); err != nil {
			t.Fatal(err)
		}
		lazy, err := plan.OpenLive(doc)
		if err != nil {
			t.Fatal(err)
		}
		compareStreamFrom(t, services, cfg, plan.Snapshot{Live: &live}, lazy, plan.Options{Node: live.Node, Target: target})
		if err := lazy.Finish(); err != nil {
			t.Fatal(err)
		}
	}
}

func compareStream(t *testing.T, dir string, cfg *lang.Config, src plan.Source, opts plan.Options) {
	t.Helper()
	compareStreamFrom(t, dir, cfg, src, src, opts)
}

// variable is what differs between two plans of the same state.
var variable = regexp.MustCompile(`(?m)^  "(id|created_at)": .*$`)

func compareStreamFrom(t *testing.T, dir string, cfg *lang.Config, whole, streamed plan.Source, opts plan.Options) {
	t.Helper()
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Source: whole, Options: opts})
	for _, asJSON := range []bool{false, true} {
		fs, _ := lang.List(dir)
		s := &plan.Stream{Options: opts, Source: streamed, JSON: asJSON, Colors: true}
		scfg, sdiags, plans, err := s.Files(context.Background(), fs)
		if err != nil {
			t.Fatal(err)
		}
		if _, ldiags := lang.Load(dir); writeDiags(scfg.Files, sdiags) != writeDiags(cfg.Files, ldiags) {
			t.Fatalf("%s: loading: %v, want %v", dir, sdiags, ldiags)
		}
		st := s.Result(plans, scfg.Files)
		what := dir + " node " + opts.Node + " desired " + string(opts.Target)
		if got, want := writeDiags(scfg.Files, st.Diags), writeDiags(cfg.Files, diags); got != want {
			t.Fatalf("%s: diagnostics differ:\n got %s\nwant %s", what, got, want)
		}
		if st.Errored != diags.HasErrors() || st.Empty() != p.Empty() {
			t.Fatalf("%s: errored %v, empty %v; Make: %v, %v", what, st.Errored, st.Empty(), diags.HasErrors(), p.Empty())
		}
		var got, want bytes.Buffer
		if asJSON {
			if err := st.WriteJSON(&got); err != nil {
				t.Fatal(err)
			}
			if err := plan.WriteJSON(&want, p); err != nil {
				t.Fatal(err)
			}
			g, w := variable.ReplaceAll(got.Bytes(), nil), variable.ReplaceAll(want.Bytes(), nil)
			g, w = lookup.ReplaceAll(g, []byte("lookup $1: (answer).")), lookup.ReplaceAll(w, []byte("lookup $1: (answer)."))
			if !bytes.Equal(g, w) {
				t.Fatalf("%s: JSON differs:\n got %s\nwant %s", what, g, w)
			}
			continue
		}
		if diags.HasErrors() {
			continue // no text plan
		}
		st.WriteText(&got)
		plan.WriteText(&want, p, true)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			g, w := got.Bytes(), want.Bytes()
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			from := max(0, i-300)
			t.Fatalf("%s: text differs at byte %d:\n got %q\nwant %q", what, i, g[from:min(len(g), i+200)], w[from:min(len(w), i+200)])
		}
	}
}

// writeDiags prints diags, the resolver's answers left out: the same name
// may time out once and be unknown the next time.
func writeDiags(files map[string]*hcl.File, diags hcl.Diagnostics) string {
	var b bytes.Buffer
	var clean hcl.Diagnostics
	for _, d := range diags {
		c := *d
		c.Detail = lookup.ReplaceAllString(c.Detail, "lookup $1: (answer).")
		clean = append(clean, &c)
	}
	lang.WriteDiagnostics(&b, files, clean, false)
	return b.String()
}

var lookup = regexp.MustCompile(`lookup (\S+?)(?: on \S+)?: [^.]*\.`)
