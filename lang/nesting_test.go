package lang

import (
	"strings"
	"testing"
)

// deep is n repetitions of open, then inner, then n of close.
func deep(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// deepForms are the ways to nest that make hcl's parser, its walks or
// evaluation recurse once per level; 100,000 levels overflow the stack.
var deepForms = map[string]string{
	"brackets":      `nodes = ` + deep("[", "", "]", 100000),
	"objects":       `app = ` + deep("{a = ", "1", "}", 100000),
	"parentheses":   `app = ` + deep("(", `"x"`, ")", 100000),
	"interpolation": `app = ` + deep(`"${`, `1`, `}"`, 100000),
	"heredoc":       "app = <<EOT\n" + deep("${", "1", "}", 100000) + "\nEOT",
	"directive":     `app = "` + deep(`%{if true}`, "x", `%{endif}`, 100000) + `"`,
	"not":           `app = ` + strings.Repeat("!", 100000) + "true",
	"minus":         `flex_min = ` + strings.Repeat("-", 100000) + "1",
	"minus spaced":  `flex_min = ` + strings.Repeat("- ", 100000) + "1",
	"plus chain":    `flex_min = 1` + strings.Repeat(" + 1", 100000),
	"multiline sum": "flex_min = (1\n" + strings.Repeat("+ 1\n", 100000) + ")",
	"and chain":     `app = true` + strings.Repeat(" && true", 100000),
	"conditional":   `app = ` + strings.Repeat("true ? 1 : ", 100000) + "1",
	"index":         `app = service.name` + strings.Repeat("[service.name]", 100000),
	"splat":         `nodes = service.nodes` + strings.Repeat("[*]", 100000),
	"call":          `app = ` + deep("upper(", `"x"`, ")", 100000),
	"for":           `nodes = ` + deep("[for x in ", "[]", ": x]", 100000),
	"blocks":        deep("on \"n1\" {\n", "", "}\n", 100000),
}

// TestDeepNestingIsADiagnostic loads each deep form: without the bound the
// test binary dies of a stack overflow no recover can catch.
func TestDeepNestingIsADiagnostic(t *testing.T) {
	for name, body := range deepForms {
		t.Run(name, func(t *testing.T) {
			src := "service \"d\" {\n  " + body + "\n}\n"
			cfg, diags := loadSrc(t, src)
			d := findDiag(diags, "Nesting too deep")
			if d == nil || len(diags) != 1 || len(cfg.Services) != 0 {
				t.Fatalf("want only a nesting diagnostic and no service, got %d services, %s", len(cfg.Services), diags)
			}
			if d.Subject == nil || d.Subject.Filename != "test.hcl" || d.Subject.Start.Line < 2 || d.Subject.Start.Byte > len(src) {
				t.Fatalf("subject %v, want a place in test.hcl after line 1", d.Subject)
			}
			// The snippet shows the source, and rendering does not recurse.
			out := render(cfg, diags)
			if !strings.Contains(out, "on test.hcl line") || !strings.Contains(out, "Nesting too deep") {
				t.Errorf("rendered:\n%.500s", out)
			}
			if _, err := DiagnosticsJSON(diags, cfg.Files); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNestingDiagnosticLocation(t *testing.T) {
	src := "service \"d\" {\n  nodes = " + deep("[", "", "]", 1000) + "\n}\n"
	_, diags := loadSrc(t, src)
	d := findDiag(diags, "Nesting too deep")
	if d == nil {
		t.Fatalf("no nesting diagnostic: %s", diags)
	}
	// The service brace, the = and 255 brackets make 257 levels.
	col := len("  nodes = ") + 255
	if s := d.Subject; s.Start.Line != 2 || s.Start.Column != col || src[s.Start.Byte] != '[' || s.End.Byte != s.Start.Byte+1 {
		t.Errorf("subject %v, want test.hcl:2,%d on a bracket", s, col)
	}
}

// TestNestingOnlyCountsCode keeps what does not nest from counting:
// brackets in strings, comments and heredocs, escaped interpolations,
// dashed names, long flat lists and many attributes.
func TestNestingOnlyCountsCode(t *testing.T) {
	many := strings.Repeat("[", 5000)
	for name, src := range map[string]string{
		"string":         `service "d" { app = "` + many + `" }`,
		"escaped quote":  `service "d" { app = "\"` + many + `" }`,
		"escaped interp": `service "d" { app = "` + strings.Repeat("$${", 5000) + `" }`,
		"escaped dir":    `service "d" { app = "` + strings.Repeat("%%{", 5000) + `" }`,
		"hash comment":   "# " + many + "\nservice \"d\" {}",
		"line comment":   "// " + many + "\nservice \"d\" {}",
		"block comment":  "/* " + many + "\n" + many + " */\nservice \"d\" {}",
		"heredoc":        "service \"d\" {\n  app = <<-EOT\n    " + many + " $${x}\n    EOT\n}",
		"dashed name":    "service \"d\" {\n  app = " + "a" + strings.Repeat("-b", 5000) + "\n}",
		"flat list":      `service "d" { nodes = [` + strings.Repeat(`"n1", `, 2000) + `"n2"] }`,
		"sums in list":   `service "d" { flex_min = length([` + strings.Repeat(`1 + 1 + 1, `, 2000) + `1]) }`,
		"attributes":     "service \"d\" {\n" + strings.Repeat("  app = 1 + 2 * 3 - 4\n", 5000) + "}",
		"deep but below": `service "d" { nodes = ` + deep("[", "", "]", 200) + ` }`,
	} {
		t.Run(name, func(t *testing.T) {
			_, diags := loadSrc(t, src)
			if d := findDiag(diags, "Nesting too deep"); d != nil {
				t.Errorf("counted as nesting: %s", d)
			}
		})
	}
}

// TestNestingBelowTheBoundEvaluates parses and evaluates the deepest forms
// the bound lets through, down the whole pipeline.
func TestNestingBelowTheBoundEvaluates(t *testing.T) {
	for name, body := range map[string]string{
		"brackets": `app = "${length(` + deep("[", "", "]", 240) + `)}"`,
		"sum":      `flex_min = 0` + strings.Repeat(" + 0", 240),
		"not":      `app = "${` + strings.Repeat("!", 240) + `true}"`,
		"interp":   `app = ` + deep(`"${`, `"x"`, `}"`, 120),
	} {
		t.Run(name, func(t *testing.T) {
			cfg := mustLoad(t, "service \"d\" {\n  nodes = [\"n1\"]\n  "+body+"\n}\n")
			if _, diags := cfg.Services[0].Evaluate("n1", nil); diags.HasErrors() {
				t.Errorf("evaluate: %s", diags)
			}
		})
	}
}
