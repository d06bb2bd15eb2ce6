package lang

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// setting is a service-level attribute: its slot and the scopes it may be
// set in. encapnodes is evaluated first, so it may only be scoped by node
// name; nodes and drpnodes may also use @encapnodes (seed 002's
// nodes@encapnodes); the rest may use every scope.
type setting struct {
	*slot
	scopes []scopeKind
}

var allScopes = []scopeKind{scopeNode, scopeNodes, scopeDrpNodes, scopeEncapNodes}

func enumCheck(allowed ...string) checkFunc {
	return func(v cty.Value, _ map[string]cty.Value) error {
		if v.Type() != cty.String {
			return nil
		}
		for _, a := range allowed {
			if v.AsString() == a {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v.AsString(), quotedList(allowed))
	}
}

func checkNodeNames(v cty.Value, _ map[string]cty.Value) error {
	if !v.CanIterateElements() {
		return nil
	}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			return fmt.Errorf("node lists must not contain null")
		}
		if e.Type() == cty.String && !validName(e.AsString()) {
			return fmt.Errorf("%q is not a valid node name: it must match %s", e.AsString(), namePattern)
		}
	}
	return nil
}

func checkFlexCount(v cty.Value, _ map[string]cty.Value) error {
	if i, ok := wholeNumber(v); !ok || i < 0 {
		return fmt.Errorf("must be a whole number >= 0")
	}
	return nil
}

// uuidPattern is the textual form of a UUID: 8-4-4-4-12 hex digits.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$`)

func checkUUID(v cty.Value, _ map[string]cty.Value) error {
	if v.Type() == cty.String && !uuidPattern.MatchString(v.AsString()) {
		return fmt.Errorf("%q is not a UUID like \"d74cc963-8f18-4c73-9691-9a833dba2a22\"", v.AsString())
	}
	return nil
}

var nodeList = cty.List(cty.String)

var settings = []*setting{
	{&slot{name: "encapnodes", typ: nodeList, def: cty.ListValEmpty(cty.String), checks: []checkFunc{checkNodeNames}}, []scopeKind{scopeNode}},
	{&slot{name: "drpnodes", typ: nodeList, def: cty.ListValEmpty(cty.String), checks: []checkFunc{checkNodeNames}}, []scopeKind{scopeNode, scopeEncapNodes}},
	{&slot{name: "nodes", typ: nodeList, def: cty.ListValEmpty(cty.String), checks: []checkFunc{checkNodeNames}}, []scopeKind{scopeNode, scopeEncapNodes}},
	// id names the service on every node, as the seed's DEFAULT id: it is
	// never scoped.
	{&slot{name: "id", typ: cty.String, def: cty.StringVal(""), checks: []checkFunc{checkUUID}}, nil},
	{&slot{name: "app", typ: cty.String, def: cty.StringVal("")}, allScopes},
	{&slot{name: "orchestrate", typ: cty.String, def: cty.StringVal("no"), checks: []checkFunc{enumCheck("no", "start", "ha")}}, allScopes},
	{&slot{name: "topology", typ: cty.String, def: cty.StringVal("failover"), checks: []checkFunc{enumCheck("failover", "flex")}}, allScopes},
	{&slot{name: "flex_min", typ: cty.Number, def: cty.NumberIntVal(1), checks: []checkFunc{checkFlexCount}}, allScopes},
	// flex_max defaults to the number of nodes, filled in by Evaluate.
	{&slot{name: "flex_max", typ: cty.Number, checks: []checkFunc{checkFlexCount}}, allScopes},
	{&slot{name: "placement", typ: cty.String, def: cty.StringVal("nodes order"), checks: []checkFunc{enumCheck("nodes order", "load avg", "score", "spread")}}, allScopes},
	{&slot{name: "monitor_action", typ: cty.String, def: cty.StringVal(""), checks: []checkFunc{enumCheck("", "freezestop", "switch", "crash", "reboot")}}, allScopes},
}

var settingByName = func() map[string]*setting {
	m := map[string]*setting{}
	for _, s := range settings {
		m[s.name] = s
	}
	return m
}()

func settingNames() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.name
	}
	return out
}

func (s *setting) allows(k scopeKind) bool {
	for _, a := range s.scopes {
		if a == k {
			return true
		}
	}
	return false
}

// checkSettingNames reports unknown service attributes and settings scoped
// where they cannot be.
func checkSettingNames(sa *scopedAttrs) hcl.Diagnostics {
	var diags hcl.Diagnostics
	sa.all(func(sc *scope, a *attr) {
		st := settingByName[a.Name]
		if st == nil {
			diags = append(diags, errorf(a.NameRange, "Unsupported argument",
				"An argument named %q is not expected in a service block; the service attributes are %s.%s",
				a.Name, quotedList(settingNames()), didYouMean(a.Name, settingNames())))
			return
		}
		if sc != nil && len(st.scopes) == 0 {
			diags = append(diags, errorf(a.NameRange, "Invalid scope",
				"%s cannot be set in on %q: it is the same on every node; set it once, outside on blocks.", a.Name, sc.Label))
		} else if sc != nil && !st.allows(sc.kind) {
			diags = append(diags, errorf(a.NameRange, "Invalid scope",
				"%s cannot be set in on %q: it decides node-set membership, so it may only be scoped by %s.",
				a.Name, sc.Label, scopeNamesOf(st.scopes)))
		}
	})
	return diags
}

func scopeNamesOf(ks []scopeKind) string {
	names := []string{}
	for _, k := range ks {
		switch k {
		case scopeNode:
			names = append(names, "node name")
		case scopeEncapNodes:
			names = append(names, `"@encapnodes"`)
		}
	}
	if len(names) == 2 {
		return names[0] + " and " + names[1]
	}
	return names[0]
}
