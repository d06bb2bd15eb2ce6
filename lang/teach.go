package lang

// Errors that teach: what users of the OpenSVC agent write first (an INI
// file, key@scope keys, unquoted words, True, {rid.keyword} references,
// always_on) is recognised and answered with the HCL form to write.

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// iniSection matches an INI section header on a line of its own: [DEFAULT],
// [ip#0], [fs#app].
var iniSection = regexp.MustCompile(`(?m)^[ \t]*\[([A-Za-z][A-Za-z0-9_.-]*(#[A-Za-z0-9_.-]+)?)\][ \t]*\r?$`)

// iniDiagnostic returns the error for a file that does not parse and holds
// INI section headers: an OpenSVC service configuration pasted as is. It
// replaces the syntax errors, one per line, which teach nothing.
func iniDiagnostic(name string, src []byte) *hcl.Diagnostic {
	loc := iniSection.FindSubmatchIndex(src)
	if loc == nil {
		return nil
	}
	section := string(src[loc[2]:loc[3]])
	if section != "DEFAULT" && loc[4] < 0 && !iniSection.Match(src[loc[1]:]) {
		return nil // one [word] line may be a mistyped HCL list
	}
	start := posAt(src, loc[2]-1)
	end := posAt(src, loc[3]+1)
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "OpenSVC INI configuration, not HCL",
		Detail: fmt.Sprintf("%s looks like an OpenSVC service configuration (INI sections such as [%s] and key = value lines); omhcl reads HCL. "+
			"Convert it with: om import %s --out DIR (it writes DIR/NAME.hcl, formatted, and says what has no equivalent). "+
			"In HCL, [DEFAULT] becomes the service \"NAME\" { ... } block, [ip#0] becomes ip \"0\" { ... } inside it, "+
			"ipname@node1 = x becomes on \"node1\" { ipname = \"x\" }, and {disk#1.exposed_devs[0]} becomes disk.1.exposed_devs[0]; "+
			"examples/ holds HCL translations of the OpenSVC documents' configurations, and docs/migrating-from-opensvc.md the whole mapping.",
			name, section, name),
		Subject: &hcl.Range{Filename: name, Start: start, End: end},
	}
}

// scopedKey matches OpenSVC's scoped keys: ipname@node1, nodes@encapnodes.
var scopedKey = regexp.MustCompile(`^"?([A-Za-z_][A-Za-z0-9_-]*)@([A-Za-z0-9_.-]+)"?`)

// onFormOf returns the on block to write for an OpenSVC scoped key.
func onFormOf(key, scope string) string {
	label := scope
	switch scope {
	case "nodes", "drpnodes", "encapnodes":
		label = "@" + scope
	}
	return fmt.Sprintf("on %q { %s = ... }", label, key)
}

// teachSyntax rewrites the parser's errors about OpenSVC's key@scope
// (quoted or not) to name the on block to write.
func teachSyntax(src []byte, diags hcl.Diagnostics) hcl.Diagnostics {
	taught := map[int]bool{} // lines explained: their other errors are echoes
	out := diags[:0:0]
	for _, d := range diags {
		if d.Subject != nil && taught[d.Subject.Start.Line] {
			continue
		}
		out = append(out, d)
		i := len(out) - 1
		if d.Subject == nil || d.Subject.Start.Byte < 0 || d.Subject.Start.Byte > len(src) {
			continue
		}
		from := d.Subject.Start.Byte
		if d.Summary == "Invalid character" { // ipname@node1: the @ is the error
			from = bytes.LastIndexByte(src[:from], '\n') + 1
			from += len(src[from:]) - len(bytes.TrimLeft(src[from:], " \t"))
		} else if d.Summary != "Invalid argument name" {
			continue
		}
		m := scopedKey.FindSubmatch(src[from:])
		if m == nil {
			continue
		}
		key, scope := string(m[1]), string(m[2])
		nd := *d
		nd.Summary = "OpenSVC scoped key"
		nd.Detail = fmt.Sprintf("%s@%s is OpenSVC's scoping; HCL scopes an attribute with an on block in the same block: %s. "+
			"A node name scopes to that node, \"@nodes\", \"@drpnodes\" and \"@encapnodes\" to a node set.",
			key, scope, onFormOf(key, scope))
		out[i] = &nd
		taught[d.Subject.Start.Line] = true
	}
	return out
}

// withoutFalseRequired drops the "Missing required argument" errors of the
// blocks a syntax error is in: the parser skipped the rest of such a block,
// so the attribute may well be written further down.
func withoutFalseRequired(diags hcl.Diagnostics, syntax hcl.Diagnostics, body *hclsyntax.Body) hcl.Diagnostics {
	var broken []hcl.Range
	var visit func(b *hclsyntax.Body)
	visit = func(b *hclsyntax.Body) {
		for _, blk := range b.Blocks {
			for _, s := range syntax {
				if s.Severity == hcl.DiagError && s.Subject != nil && blk.Range().ContainsOffset(s.Subject.Start.Byte) {
					broken = append(broken, blk.DefRange())
					break
				}
			}
			visit(blk.Body)
		}
	}
	visit(body)
	if len(broken) == 0 {
		return diags
	}
	out := diags[:0:0]
	for _, d := range diags {
		if d.Summary == "Missing required argument" && d.Subject != nil && containsRange(broken, *d.Subject) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func containsRange(list []hcl.Range, r hcl.Range) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

// boolWords are what INI files and YAML write for booleans.
var boolWords = map[string]bool{
	"True": true, "TRUE": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "y": true,
	"False": false, "FALSE": false, "no": false, "No": false, "NO": false, "off": false, "Off": false, "n": false,
}

// bareWord reports an attribute whose whole value is one word that names
// no variable, as INI writes strings (orchestrate = ha) and booleans
// (monitor = True): it tells how HCL writes them. typ is what the
// attribute takes (cty.NilType when unknown: an unsupported attribute,
// already reported).
func bareWord(a *attr, typ cty.Type) (*hcl.Diagnostic, bool) {
	e, ok := a.Expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(e.Traversal) != 1 {
		return nil, false
	}
	word := e.Traversal.RootName()
	if typ == cty.NilType {
		return nil, true // the attribute itself is reported
	}
	rng := e.Range()
	b, isBool := boolWords[word]
	switch {
	case typ == cty.Bool && isBool:
		return errorIn(rng, a.Range, "Invalid boolean",
			"%s is not an HCL value: booleans are written true and false, lowercase and unquoted: %s = %t.", word, a.Name, b), true
	case typ == cty.Bool:
		return errorIn(rng, a.Range, "Invalid boolean",
			"There is no variable named %q; %s takes a boolean, written true or false: %s = true.", word, a.Name, a.Name), true
	case typ == cty.Number:
		return nil, false
	case typ.IsListType() || typ.IsSetType() || typ.IsTupleType():
		return errorIn(rng, a.Range, "Unquoted string",
			"There is no variable named %q: strings are written in double quotes, and %s takes a list: %s = [%q].", word, a.Name, a.Name, word), true
	}
	detail := fmt.Sprintf("There is no variable named %q: strings are written in double quotes: %s = %q.", word, a.Name, word)
	if isBool && typ == cty.DynamicPseudoType {
		detail += fmt.Sprintf(" For a boolean, write %t (lowercase, unquoted).", b)
	}
	return errorIn(rng, a.Range, "Unquoted string", "%s", detail), true
}

// boolHint is added to the error converting a string to a boolean.
func boolHint(typ cty.Type, v cty.Value) string {
	if typ != cty.Bool || v.Type() != cty.String || !v.IsKnown() || v.IsNull() {
		return ""
	}
	if b, ok := boolWords[v.AsString()]; ok {
		return fmt.Sprintf(" Booleans are written true and false, lowercase and unquoted: %t.", b)
	}
	return " Booleans are written true and false, unquoted."
}

// openSVCRef matches OpenSVC's references in strings: {fs#app.mnt},
// {disk#1.exposed_devs[0]}, and the service's and node's names.
var openSVCRef = regexp.MustCompile(`\{(?:([a-z]+)#([A-Za-z0-9_.-]+?)\.([A-Za-z_][A-Za-z0-9_]*(?:\[[0-9]+\])?)|(name|svcname|nodename))\}`)

// hclRefOf returns the HCL reference for OpenSVC's reference m (the
// submatches of openSVCRef).
func hclRefOf(src []byte, m []int) string {
	if m[8] >= 0 {
		if string(src[m[8]:m[9]]) == "nodename" {
			return "node.name"
		}
		return "service.name"
	}
	return fmt.Sprintf("%s.%s.%s", src[m[2]:m[3]], src[m[4]:m[5]], src[m[6]:m[7]])
}

// mayHoldOpenSVCRef is a fast look for "{word#" or "{name}" in src:
// every file is searched as it loads, and the regular expression costs
// 5% of a load.
func mayHoldOpenSVCRef(src []byte) bool {
	for i := bytes.IndexByte(src, '{'); i >= 0; {
		j := i + 1
		for j < len(src) && src[j] >= 'a' && src[j] <= 'z' {
			j++
		}
		if j > i+1 && j < len(src) && (src[j] == '#' || src[j] == '}') {
			return true
		}
		k := bytes.IndexByte(src[j:], '{')
		if k < 0 {
			return false
		}
		i = j + k
	}
	return false
}

// openSVCRefs warns of OpenSVC references written in strings: HCL keeps
// them as text, and a command would get the braces.
func openSVCRefs(name string, src []byte, body *hclsyntax.Body) hcl.Diagnostics {
	if !mayHoldOpenSVCRef(src) {
		return nil
	}
	var diags hcl.Diagnostics
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.TemplateExpr)
		if !ok {
			return nil
		}
		whole := len(t.Parts) == 1
		for _, p := range t.Parts {
			lit, ok := p.(*hclsyntax.LiteralValueExpr)
			if !ok {
				continue
			}
			r := lit.Range()
			if r.Start.Byte < 0 || r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
				continue
			}
			text := src[r.Start.Byte:r.End.Byte]
			for _, m := range openSVCRef.FindAllSubmatchIndex(text, -1) {
				ref := hclRefOf(text, m)
				written := string(text[m[0]:m[1]])
				var form string
				if whole && m[0] == 0 && m[1] == len(text) {
					form = fmt.Sprintf("%s as the whole value, unquoted", ref)
				} else {
					form = fmt.Sprintf("${%s} in the string", ref)
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "OpenSVC reference in a string",
					Detail: fmt.Sprintf("%s is OpenSVC's reference syntax: HCL keeps it as literal text, braces included. "+
						"The HCL reference is %s: write %s.", written, ref, form),
					Subject: &hcl.Range{Filename: name, Start: posAt(src, r.Start.Byte+m[0]), End: posAt(src, r.Start.Byte+m[1])},
				})
			}
		}
		return nil
	})
	return diags
}

// openSVCKeywords are OpenSVC's resource keywords omhcl writes otherwise.
var openSVCKeywords = map[string]string{
	"always_on": "always_on is OpenSVC's keyword; omhcl writes standby = true: the resource runs on every node of the service, " +
		"the passive ones too (always_on = nodes drpnodes is standby = true; always_on = drpnodes is on \"@drpnodes\" { standby = true }).",
}

// keywordHint returns the sentence naming omhcl's form of an OpenSVC
// keyword, or "".
func keywordHint(name string) string {
	if h, ok := openSVCKeywords[name]; ok {
		return " " + h
	}
	return ""
}
