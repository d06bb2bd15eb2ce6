package lang

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// exprVariables returns the references of an expression and reports calls
// to unknown functions. Most attributes are literals, templates, plain
// references and lists of them: those are read directly, which costs no
// allocation per node (loading thousands of services, it shows); anything
// else goes through hclsyntax's walkers. Both list references in the same
// order.
func exprVariables(expr hclsyntax.Expression) ([]hcl.Traversal, hcl.Diagnostics) {
	if vars, ok := simpleVariables(expr, nil); ok {
		return vars, nil // no function call in them
	}
	return hclsyntax.Variables(expr), checkFunctions(expr)
}

// simpleVariables appends the references of expr to vars; false when expr
// is not made only of the node types it knows.
func simpleVariables(expr hclsyntax.Expression, vars []hcl.Traversal) ([]hcl.Traversal, bool) {
	switch e := expr.(type) {
	case *hclsyntax.LiteralValueExpr:
		return vars, true
	case *hclsyntax.ScopeTraversalExpr:
		return append(vars, e.Traversal), true
	case *hclsyntax.TemplateWrapExpr:
		return simpleVariables(e.Wrapped, vars)
	case *hclsyntax.TemplateExpr:
		return simpleList(e.Parts, vars)
	case *hclsyntax.TupleConsExpr:
		return simpleList(e.Exprs, vars)
	}
	return vars, false
}

func simpleList(exprs []hclsyntax.Expression, vars []hcl.Traversal) ([]hcl.Traversal, bool) {
	for _, x := range exprs {
		var ok bool
		if vars, ok = simpleVariables(x, vars); !ok {
			return vars, false
		}
	}
	return vars, true
}
