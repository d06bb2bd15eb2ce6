package opensvc

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/omhcl/omhcl/internal/cmdline"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Every example of examples/, written as the INI OpenSVC would read
// (toINI: [DEFAULT], [KIND#NAME], KEY@SCOPE, {rid.keyword}) and
// converted back, plans the same on every node of its service.
func TestExamplesRoundTrip(t *testing.T) {
	dirs, _ := filepath.Glob("../examples/*")
	n := 0
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		for _, file := range files {
			n++
			t.Run(filepath.Base(dir), func(t *testing.T) {
				src, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				orig := load(t, "service.hcl", src)
				f, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
				if diags.HasErrors() {
					t.Fatal(diags.Error())
				}
				for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
					svc := orig.Service(blk.Labels[0])
					ini := toINI(t, svc, blk)
					t.Logf("INI:\n%s", ini)
					res := Convert(svc.Name+".conf", []byte(ini), Options{})
					if len(res.Notes) > 0 {
						t.Errorf("notes converting back: %v\n%s", res.Notes, ini)
					}
					back := load(t, "service.hcl", res.HCL)
					for _, node := range nodesOf(t, svc) {
						a, b := planJSON(t, orig, svc.Name, node), planJSON(t, back, svc.Name, node)
						if a != b {
							t.Errorf("plans on %s differ\nINI:\n%s\nHCL:\n%s\nexample: %s\nround trip: %s", node, ini, res.HCL, a, b)
						}
					}
				}
			})
		}
	}
	if n < 15 {
		t.Fatalf("only %d examples", n)
	}
}

// nodesOf lists every node a service can be evaluated on.
func nodesOf(t *testing.T, s *lang.Service) []string {
	in, _ := s.Evaluate("", nil)
	set := in.Settings
	out := slices.Concat(set.Nodes, set.DrpNodes, set.EncapNodes)
	for _, n := range set.EncapNodes {
		in, _ := s.Evaluate(n, nil)
		out = append(out, in.Settings.Nodes...)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

var lookupError = regexp.MustCompile(`lookup [^ ]+( on [^ ]+)?: [^.]*\.`)

// planJSON is what a plan on node does, from an empty snapshot: changes,
// steps, and the diagnostics' words (their positions differ).
func planJSON(t *testing.T, cfg *lang.Config, svc, node string) string {
	t.Helper()
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}
	p, _, diags := plan.Make(context.Background(), plan.Request{Config: cfg, Services: []string{svc}, Source: plan.Snapshot{Live: live}, Options: plan.Options{Node: node}})
	var words []string
	for _, d := range diags {
		// a name lookup's error depends on the resolver's mood
		words = append(words, d.Summary+": "+lookupError.ReplaceAllString(d.Detail, "lookup failed."))
	}
	b, err := json.Marshal(struct {
		Changes []*plan.Change
		Steps   []plan.Step
		Errored bool
		Diags   []string
	}{p.Changes, p.Steps, p.Errored, words})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// toINI writes a service block as an OpenSVC configuration. An
// expression INI cannot write (a function call) is written per node,
// with its values there: KEY@node1 = ..., as an OpenSVC user would.
func toINI(t *testing.T, svc *lang.Service, blk *hclsyntax.Block) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[DEFAULT]\n")
	writeBody(t, &b, blk.Body, func(name string) map[string]cty.Value {
		t.Fatalf("service setting %s cannot be written in INI", name)
		return nil
	})
	for _, rb := range blk.Body.Blocks {
		if rb.Type == "on" {
			continue
		}
		rid := rb.Type + "#" + rb.Labels[0]
		fmt.Fprintf(&b, "\n[%s]\n", rid)
		writeBody(t, &b, rb.Body, func(name string) map[string]cty.Value {
			out := map[string]cty.Value{}
			for _, n := range nodesOf(t, svc) {
				in, _ := svc.Evaluate(n, nil)
				if r := in.Resource(rid); r != nil {
					out[n] = r.Attrs[name]
				}
			}
			return out
		})
	}
	return b.String()
}

func writeBody(t *testing.T, b *strings.Builder, body *hclsyntax.Body, perNode func(string) map[string]cty.Value) {
	write := func(a *hclsyntax.Attribute, scope string) {
		key := a.Name
		if scope != "" {
			key += "@" + strings.TrimPrefix(scope, "@")
		}
		if v, ok := iniExpr(a.Expr); ok {
			fmt.Fprintf(b, "%s = %s\n", key, v)
			return
		}
		if scope != "" {
			t.Fatalf("%s@%s: a scoped expression INI cannot write", a.Name, scope)
		}
		vals := perNode(a.Name)
		nodes := make([]string, 0, len(vals))
		for n := range vals {
			nodes = append(nodes, n)
		}
		sort.Strings(nodes)
		for _, n := range nodes {
			fmt.Fprintf(b, "%s@%s = %s\n", a.Name, n, iniValue(t, vals[n]))
		}
	}
	attrs := make([]*hclsyntax.Attribute, 0, len(body.Attributes))
	for _, a := range body.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	for _, a := range attrs {
		write(a, "")
	}
	for _, on := range body.Blocks {
		if on.Type != "on" {
			continue
		}
		for _, a := range on.Body.Attributes {
			write(a, on.Labels[0])
		}
	}
}

// iniExpr writes an expression as OpenSVC would: literals as text,
// references as {rid.keyword}, lists as shell words, maps as KEY=VALUE
// words.
func iniExpr(e hclsyntax.Expression) (string, bool) {
	switch e := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		return scalar(e.Val)
	case *hclsyntax.TemplateWrapExpr:
		return iniExpr(e.Wrapped)
	case *hclsyntax.ScopeTraversalExpr:
		return iniRef(e.Traversal)
	case *hclsyntax.TemplateExpr:
		var b strings.Builder
		for _, p := range e.Parts {
			s, ok := iniExpr(p)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	case *hclsyntax.TupleConsExpr:
		words := make([]string, len(e.Exprs))
		for i, x := range e.Exprs {
			s, ok := iniExpr(x)
			if !ok {
				return "", false
			}
			words[i] = cmdline.Quote(s)
		}
		return strings.Join(words, " "), true
	case *hclsyntax.ObjectConsExpr:
		words := make([]string, len(e.Items))
		for i, it := range e.Items {
			k, ok := hcl.ExprAsKeyword(it.KeyExpr), true
			if k == "" {
				k, ok = iniExpr(it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr).Wrapped)
			}
			v, ok2 := iniExpr(it.ValueExpr)
			if !ok || !ok2 {
				return "", false
			}
			words[i] = cmdline.Quote(k + "=" + v)
		}
		return strings.Join(words, " "), true
	}
	return "", false
}

func scalar(v cty.Value) (string, bool) {
	switch {
	case v.IsNull() || !v.IsKnown():
		return "", false
	case v.Type() == cty.String:
		return v.AsString(), true
	case v.Type() == cty.Bool:
		return fmt.Sprint(v.True()), true
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1), true
	}
	return "", false
}

// iniRef writes a reference as OpenSVC's {...}.
func iniRef(tr hcl.Traversal) (string, bool) {
	var steps []string
	for _, s := range tr {
		switch s := s.(type) {
		case hcl.TraverseRoot:
			steps = append(steps, s.Name)
		case hcl.TraverseAttr:
			steps = append(steps, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String {
				steps = append(steps, s.Key.AsString())
			} else {
				steps = append(steps, "["+s.Key.AsBigFloat().Text('f', -1)+"]")
			}
		default:
			return "", false
		}
	}
	switch {
	case len(steps) == 2 && steps[0] == "service" && (steps[1] == "name" || steps[1] == "id" || steps[1] == "app"):
		return "{" + steps[1] + "}", true
	case len(steps) == 2 && steps[0] == "node" && steps[1] == "name":
		return "{nodename}", true
	case len(steps) >= 3 && providers.IsKind(steps[0]):
		idx := ""
		for _, s := range steps[3:] {
			if !strings.HasPrefix(s, "[") {
				return "", false
			}
			idx += s
		}
		name := strings.Trim(steps[1], "[]")
		return fmt.Sprintf("{%s#%s.%s%s}", steps[0], name, steps[2], idx), true
	}
	return "", false
}

// iniValue writes a node's value of an attribute.
func iniValue(t *testing.T, v cty.Value) string {
	if !v.IsWhollyKnown() {
		t.Fatalf("a value known after apply cannot be written per node: %#v", v)
	}
	if s, ok := scalar(v); ok {
		return s
	}
	var words []string
	switch {
	case v.Type().IsListType() || v.Type().IsTupleType():
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			s, _ := scalar(e)
			words = append(words, cmdline.Quote(s))
		}
	case v.Type().IsMapType() || v.Type().IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			s, _ := scalar(e)
			words = append(words, cmdline.Quote(k.AsString()+"="+s))
		}
	default:
		t.Fatalf("cannot write %#v", v)
	}
	return strings.Join(words, " ")
}
