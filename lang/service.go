package lang

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// Service is one service block: settings and resource blocks, statically
// checked. Evaluate turns it into an Instance for one node.
type Service struct {
	Name      string
	DeclRange hcl.Range
	// Range covers the whole block, for handing its source to the cluster.
	Range hcl.Range
	// Blocks are the resource blocks in declaration order.
	Blocks []*Block

	settings scopedAttrs
	// order is the start order (indexes into Blocks); deps[i] the direct
	// dependencies of Blocks[i], explicit and kind-order ones.
	order []int
	deps  [][]int
	// errs are the errors found at load; Evaluate returns them again so a
	// broken service is never mistaken for a good one.
	errs hcl.Diagnostics
}

// Block returns the block with the given rid, or nil.
func (s *Service) Block(rid string) *Block {
	for _, b := range s.Blocks {
		if b.RID() == rid {
			return b
		}
	}
	return nil
}

// MayEncapsulate says whether the service could take part in
// encapsulation on some node: it sets encapnodes in some scope, or has a
// container, or a resource with tags (encap is one). A service that
// cannot needs no evaluation for the encapsulation checks.
func (s *Service) MayEncapsulate() bool {
	if s.settings.named("encapnodes") {
		return true
	}
	for _, b := range s.Blocks {
		if b.Kind == "container" || b.attrs.named("tags") {
			return true
		}
	}
	return false
}

// Order returns the rids in start order.
func (s *Service) Order() []string {
	out := make([]string, len(s.order))
	for i, idx := range s.order {
		out[i] = s.Blocks[idx].RID()
	}
	return out
}

func decodeService(hb *hclsyntax.Block) (*Service, hcl.Diagnostics) {
	s := &Service{DeclRange: hb.DefRange(), Range: hb.Range()}
	var diags hcl.Diagnostics
	if len(hb.Labels) != 1 {
		return nil, hcl.Diagnostics{errorf(hb.DefRange(), "Invalid service block",
			"A service block takes exactly one label, its name, as in service \"svc1\" { ... }.")}
	}
	s.Name = hb.Labels[0]
	if !validName(s.Name) {
		diags = append(diags, errorf(hb.LabelRanges[0], "Invalid service name",
			"%q is not a valid service name: it must match %s.", s.Name, namePattern))
	}
	s.settings.readBase(hb.Body)
	diags = append(diags, s.readBlocks(hb.Body)...)
	diags = append(diags, checkSettingNames(&s.settings)...)
	diags = append(diags, s.resolve()...)
	diags = append(diags, s.foldConstants()...)
	diags = append(diags, s.computeOrder()...)
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			s.errs = append(s.errs, d)
		}
	}
	return s, diags
}

// readBlocks reads the on blocks and resource blocks of a service body.
func (s *Service) readBlocks(body *hclsyntax.Body) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Block{}
	for _, hb := range body.Blocks {
		switch {
		case hb.Type == "on":
			diags = append(diags, s.settings.readScope(hb)...)
		case providers.IsKind(hb.Type):
			b, d := decodeBlock(hb, len(s.Blocks))
			diags = append(diags, d...)
			if b.Name == "" {
				continue
			}
			if first := seen[b.RID()]; first != nil {
				diags = append(diags, duplicate("Duplicate resource",
					fmt.Sprintf("A %s resource named %q", b.Kind, b.Name), b.DeclRange, first.DeclRange))
				continue
			}
			seen[b.RID()] = b
			s.Blocks = append(s.Blocks, b)
		default:
			names := append([]string{"on"}, providers.KindOrder...)
			diags = append(diags, errorf(hb.TypeRange, "Unsupported block type",
				"Blocks of type %q are not expected in a service; the resource kinds are %s, and on blocks scope attributes to nodes.%s",
				hb.Type, quotedList(providers.KindOrder), didYouMean(hb.Type, names)))
		}
	}
	return diags
}

// resolve checks every reference and records the blocks each refers to.
func (s *Service) resolve() hcl.Diagnostics {
	r := newResolver(s.Name, s.Blocks)
	var diags hcl.Diagnostics
	s.settings.all(func(_ *scope, a *attr) {
		typ := cty.NilType
		if st := settingByName[a.Name]; st != nil {
			typ = st.typ
		}
		diags = append(diags, r.expression(a, true, typ)...)
	})
	for _, b := range s.Blocks {
		b.attrs.all(func(_ *scope, a *attr) {
			if a.Name == dependsOnAttr {
				diags = append(diags, r.dependsOn(a)...)
				return
			}
			typ := cty.NilType
			if sl := b.slotByName[a.Name]; sl != nil {
				typ = sl.typ
			}
			diags = append(diags, r.expression(a, false, typ)...)
		})
		b.collectRefs()
		b.groupRefs(s.Blocks)
	}
	return diags
}
