package check

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/lang"
)

// Encap checks an encapsulated service's shape as all its nodes see it
// (seed 002): every encap node is hosted by a container resource (its
// hostname, else its name) on some node, by one container per node; a
// node is not both; a resource tagged encap has encapnodes to run in;
// containers are not encapsulated in turn. Each of these would leave the
// encap resources run nowhere, or twice, while the service reports up.
func (k Checker) Encap(svc *lang.Service) hcl.Diagnostics {
	if !svc.MayEncapsulate() {
		return nil
	}
	base, diags := svc.Evaluate("", nil)
	if diags.HasErrors() || base == nil {
		return nil
	}
	s := base.Settings
	var out hcl.Diagnostics
	hosted := map[string]bool{}
	for _, n := range slices.Concat(s.Nodes, s.DrpNodes) {
		if slices.Contains(s.EncapNodes, n) {
			out = append(out, encapDiag(svc, base, "", "encapnodes", "%s is both a node and an encap node of %s: the node's level and the level inside would run on the same node", n, svc.Name))
			continue
		}
		inst, d := svc.Evaluate(n, nil)
		if d.HasErrors() || inst == nil {
			continue
		}
		out = append(out, k.encapInstance(svc, inst, hosted)...)
	}
	for _, e := range s.EncapNodes {
		if !hosted[e] {
			out = append(out, encapDiag(svc, base, "", "encapnodes", "encap node %s is hosted by no container resource of %s on any of its nodes: set hostname = %q (or name) on the container that is %s", e, svc.Name, e, e))
		}
	}
	return dedupe(out)
}

// encapInstance checks inst, the service on one of its nodes, and records
// the encap nodes its containers host.
func (k Checker) encapInstance(svc *lang.Service, inst *lang.Instance, hosted map[string]bool) hcl.Diagnostics {
	var out hcl.Diagnostics
	byNode := map[string]string{}
	for _, r := range inst.Resources {
		if r.Common.Disable {
			continue
		}
		if r.Common.Encap && len(inst.Settings.EncapNodes) == 0 {
			out = append(out, encapDiag(svc, inst, r.RID(), "tags", "%s.%s is tagged encap but the service has no encapnodes: nothing would run it", svc.Name, r.RID()))
		}
		if r.Kind != "container" {
			continue
		}
		if r.Common.Encap {
			out = append(out, encapDiag(svc, inst, r.RID(), "tags", "%s.%s: a container inside a container (nested encapsulation) is not supported", svc.Name, r.RID()))
			continue
		}
		e := r.EncapNode()
		if !slices.Contains(inst.Settings.EncapNodes, e) {
			continue
		}
		if other, dup := byNode[e]; dup {
			out = append(out, encapDiag(svc, inst, r.RID(), "hostname", "%s.%s and %s both host encap node %s on node %s: its level would run twice", svc.Name, other, r.RID(), e, inst.Node))
		}
		byNode[e], hosted[e] = r.RID(), true
	}
	return out
}

func encapDiag(svc *lang.Service, inst *lang.Instance, rid, attr, format string, args ...any) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Encapsulation cannot work", Detail: fmt.Sprintf(format, args...) + "."}
	if rid != "" {
		locate(d, svc, inst, rid, attr)
		if r := inst.Ranges[rid]; d.Subject == nil && r.Filename != "" {
			d.Subject = r.Ptr()
		}
	} else {
		locate(d, svc, inst, "", attr)
	}
	if d.Subject == nil {
		d.Subject = svc.DeclRange.Ptr()
	}
	return d
}

// dedupe drops diagnostics repeated by several nodes' evaluations.
func dedupe(ds hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	seen := map[string]bool{}
	for _, d := range ds {
		key := d.Detail + fmt.Sprint(d.Subject)
		if !seen[key] {
			seen[key] = true
			out = append(out, d)
		}
	}
	return out
}
