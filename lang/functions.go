package lang

import (
	"errors"
	"regexp"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the functions expressions may call: go-cty's stdlib, under
// Terraform's names. Functions that can build unbounded values from a short
// input (setproduct, indent, range) are left out, and format widths are
// capped, so no configuration can exhaust memory.
var functions = map[string]function.Function{
	"abs":             stdlib.AbsoluteFunc,
	"ceil":            stdlib.CeilFunc,
	"floor":           stdlib.FloorFunc,
	"log":             stdlib.LogFunc,
	"max":             stdlib.MaxFunc,
	"min":             stdlib.MinFunc,
	"parseint":        stdlib.ParseIntFunc,
	"signum":          stdlib.SignumFunc,
	"int":             stdlib.IntFunc,
	"chomp":           stdlib.ChompFunc,
	"format":          boundedFormat(stdlib.FormatFunc),
	"formatlist":      boundedFormat(stdlib.FormatListFunc),
	"join":            stdlib.JoinFunc,
	"lower":           stdlib.LowerFunc,
	"upper":           stdlib.UpperFunc,
	"title":           stdlib.TitleFunc,
	"regex":           stdlib.RegexFunc,
	"regexall":        stdlib.RegexAllFunc,
	"regex_replace":   stdlib.RegexReplaceFunc,
	"replace":         stdlib.ReplaceFunc,
	"split":           stdlib.SplitFunc,
	"strlen":          stdlib.StrlenFunc,
	"strrev":          stdlib.ReverseFunc,
	"substr":          stdlib.SubstrFunc,
	"trim":            stdlib.TrimFunc,
	"trimprefix":      stdlib.TrimPrefixFunc,
	"trimsuffix":      stdlib.TrimSuffixFunc,
	"trimspace":       stdlib.TrimSpaceFunc,
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"index":           stdlib.IndexFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"lookup":          stdlib.LookupFunc,
	"merge":           stdlib.MergeFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          stdlib.ZipmapFunc,
	"jsonencode":      stdlib.JSONEncodeFunc,
	"jsondecode":      stdlib.JSONDecodeFunc,
	"csvdecode":       stdlib.CSVDecodeFunc,
	"formatdate":      stdlib.FormatDateFunc,
	"timeadd":         stdlib.TimeAddFunc,
	"tostring":        convertFunc(cty.String),
	"tonumber":        convertFunc(cty.Number),
	"tobool":          convertFunc(cty.Bool),
}

// convertFunc converts its argument to a primitive type, as Terraform's
// tostring, tonumber and tobool do.
func convertFunc(t cty.Type) function.Function {
	return function.New(&function.Spec{
		Description: "Converts a value to " + t.FriendlyName() + ".",
		Params:      []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true, AllowDynamicType: true}},
		Type:        function.StaticReturnType(t),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return convert.Convert(args[0], t)
		},
	})
}

// lengthFunc counts the elements of a collection, or the characters of a
// string, as Terraform's length does.
var lengthFunc = function.New(&function.Spec{
	Description: "The number of elements of a collection, or of characters of a string.",
	Params:      []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.StrlenFunc.Call(args)
		}
		return stdlib.LengthFunc.Call(args)
	},
})

// FunctionNames lists the functions expressions may call, sorted.
func FunctionNames() []string {
	out := make([]string, 0, len(functions))
	for n := range functions {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// hugeWidth matches a format verb whose width or precision has 5+ digits.
var hugeWidth = regexp.MustCompile(`%[-+ #0]*(\[\d+\])?(\d{5,}|\d*\.\d{5,})`)

// boundedFormat wraps format and formatlist to refuse widths that would
// allocate gigabytes: "%999999999d".
func boundedFormat(f function.Function) function.Function {
	return function.New(&function.Spec{
		Description: f.Description(),
		Params:      f.Params(),
		VarParam:    f.VarParam(),
		Type: func(args []cty.Value) (cty.Type, error) {
			return f.ReturnTypeForValues(args)
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 0 && args[0].IsKnown() && !args[0].IsNull() && args[0].Type() == cty.String &&
				hugeWidth.MatchString(args[0].AsString()) {
				return cty.NilVal, errors.New("format widths and precisions are limited to 4 digits")
			}
			return f.Call(args)
		},
	})
}

// checkFunctions reports calls to functions that do not exist, at load.
func checkFunctions(expr hclsyntax.Expression) hcl.Diagnostics {
	return hclsyntax.VisitAll(expr, func(n hclsyntax.Node) hcl.Diagnostics {
		call, ok := n.(*hclsyntax.FunctionCallExpr)
		if !ok {
			return nil
		}
		if _, ok := functions[call.Name]; ok {
			return nil
		}
		return hcl.Diagnostics{errorf(call.NameRange, "Call to unknown function",
			"There is no function named %q.%s", call.Name, didYouMean(call.Name, FunctionNames()))}
	})
}
