package lang

import "github.com/hashicorp/hcl/v2/hclwrite"

// Format returns src in canonical HCL layout (aligned equals signs,
// indentation), for `omplan fmt`. Invalid syntax is formatted as well as
// its tokens allow, never rejected.
func Format(src []byte) []byte { return hclwrite.Format(src) }
