package engine

import (
	"context"

	"github.com/omhcl/omhcl/apply"
)

// WithBy says who asks for a convergence under ctx, for the record of the
// actions on each service (om SVC logs): apply.WithBy.
func WithBy(ctx context.Context, by string) context.Context { return apply.WithBy(ctx, by) }
