package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// evalSettings evaluates the service attributes for node, in the order
// scoping needs: encapnodes (scoped by node name only), then drpnodes and
// nodes (which may use @encapnodes), then the rest with every scope.
func (s *Service) evalSettings(node string) (Settings, membership, hcl.Diagnostics) {
	m := membership{node: node}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"node":    cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(node)}),
			"service": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(s.Name)}),
		},
		Functions: functions,
	}
	vals := make(map[string]cty.Value, len(settings))
	var diags hcl.Diagnostics
	for _, st := range settings {
		switch st.name {
		case "drpnodes":
			m.inEncap = containsString(stringsOf(vals["encapnodes"]), node)
		case "app":
			m.inNodes = containsString(stringsOf(vals["nodes"]), node)
			m.inDrp = containsString(stringsOf(vals["drpnodes"]), node)
		}
		a := s.settings.pick(st.name, &m)
		v, d := evalSlot(st.slot, a, ctx)
		diags = append(diags, d...)
		if a != nil {
			diags = append(diags, runChecks(st.slot, a, v, nil)...)
		}
		vals[st.name] = v
	}
	set := Settings{
		Nodes:         stringsOf(vals["nodes"]),
		DrpNodes:      stringsOf(vals["drpnodes"]),
		EncapNodes:    stringsOf(vals["encapnodes"]),
		ID:            stringOf(vals["id"]),
		App:           stringOf(vals["app"]),
		Orchestrate:   stringOf(vals["orchestrate"]),
		Topology:      stringOf(vals["topology"]),
		FlexMin:       intOf(vals["flex_min"]),
		FlexMax:       len(stringsOf(vals["nodes"])),
		Placement:     stringOf(vals["placement"]),
		MonitorAction: stringOf(vals["monitor_action"]),
	}
	if v := vals["flex_max"]; !v.IsNull() {
		set.FlexMax = intOf(v)
	}
	if set.FlexMin > set.FlexMax && s.settings.has("flex_min") {
		diags = append(diags, errorf(s.DeclRange, "Invalid flex bounds",
			"flex_min (%d) is greater than flex_max (%d) on node %q.", set.FlexMin, set.FlexMax, node))
	}
	return set, m, diags
}

// serviceObject is what service.X references evaluate to.
func (s *Service) serviceObject(set *Settings) cty.Value {
	return cty.ObjectVal(map[string]cty.Value{
		"name":       cty.StringVal(s.Name),
		"nodes":      stringList(set.Nodes),
		"drpnodes":   stringList(set.DrpNodes),
		"encapnodes": stringList(set.EncapNodes),
		"app":        cty.StringVal(set.App),
		"id":         cty.StringVal(set.ID),
	})
}

// evalSlot evaluates the assignment a (nil: absent) of slot sl.
func evalSlot(sl *slot, a *attr, ctx *hcl.EvalContext) (cty.Value, hcl.Diagnostics) {
	if a == nil {
		return sl.absent(), nil
	}
	if a.isConst {
		return a.constVal, nil
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return cty.UnknownVal(sl.typ), diags
	}
	cv, d := convertValue(sl, a, v)
	return cv, append(diags, d...)
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
