package providers

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// AttrError is a problem with one attribute of a resource, named so that
// validate and plan can point at where the configuration sets it.
type AttrError struct {
	// Attr is the attribute at fault: set to a bad value, or missing.
	// Empty when no single attribute is (a node name LVM cannot tag with).
	Attr string
	Msg  string
	// Host marks what only the host running the check sees (a name its
	// resolver does not know): the node itself may see it otherwise.
	Host bool
}

func (e *AttrError) Error() string { return e.Msg }

// Check says what AttrChecker.CheckAttrs looks at beyond the attributes.
type Check struct {
	// Actions are the actions a plan runs on the resource; provision is
	// left out when what it creates already exists.
	Actions []Action
	// Host lets the checks query the host running them (the resolver).
	Host bool
}

// Has reports whether the checked plan runs a.
func (c Check) Has(a Action) bool {
	for _, x := range c.Actions {
		if x == a {
			return true
		}
	}
	return false
}

// AttrChecker is implemented by drivers whose actions fail on attributes
// that are valid on their own: a volume group to create without pvs, an
// address whose name does not resolve. The checks a value fails alone
// (size = "-5g") are New's, which refuses the resource with Refuse.
type AttrChecker interface {
	CheckAttrs(ctx context.Context, c Check) []*AttrError
}

// ExistChecker is implemented by drivers whose Provision finds what it
// creates already there (a volume group made by hand) and only records
// the resource as provisioned: plans then say so instead of listing the
// creation, and skip the checks of creating it.
type ExistChecker interface {
	Exists(ctx context.Context) bool
}

// RemnantChecker is implemented by drivers whose stop leaves nothing
// behind, unless it is interrupted: a container stopped by a command
// killed before it removed it (rm = true). Remnant says what is left of a
// resource that is down, "" when nothing is: a plan to stop it then runs
// its stop, which removes the remnant.
type RemnantChecker interface {
	Remnant(ctx context.Context) string
}

// refusal is New's error for attributes that fail their checks.
type refusal struct {
	rid  string
	errs []*AttrError
}

func (r *refusal) Error() string {
	msgs := make([]string, len(r.errs))
	for i, e := range r.errs {
		msgs[i] = e.Msg
	}
	return r.rid + ": " + strings.Join(msgs, "; ")
}

// Refuse is the error New returns for r when errs is not empty, nil
// otherwise. CheckResource reads the attributes at fault back from it.
func Refuse(r *Resource, errs []*AttrError) error {
	if len(errs) == 0 {
		return nil
	}
	return &refusal{rid: r.RID(), errs: errs}
}

// Invalid is an AttrError for attr, formatted.
func Invalid(attr, format string, args ...any) *AttrError {
	return &AttrError{Attr: attr, Msg: fmt.Sprintf(format, args...)}
}

// CheckResource runs the checks of r's driver: New's, then, when New
// accepts r, the driver's CheckAttrs for c. A resource without a driver
// has nothing to check.
func CheckResource(ctx context.Context, r *Resource, c Check) []*AttrError {
	spec, ok := Lookup(r.Kind, r.Type)
	if !ok {
		return nil
	}
	drv, err := spec.New(r)
	if err != nil {
		var ref *refusal
		if errors.As(err, &ref) {
			return ref.errs
		}
		return []*AttrError{{Msg: err.Error()}}
	}
	if ch, ok := drv.(AttrChecker); ok {
		return ch.CheckAttrs(ctx, c)
	}
	return nil
}

// JoinAttrErrors joins the errors of a settings check into one, nil when
// there are none.
func JoinAttrErrors(errs []*AttrError) error {
	joined := make([]error, len(errs))
	for i, e := range errs {
		joined[i] = e
	}
	return errors.Join(joined...)
}

// Unready is the error of an action on r whose settings failed their
// checks (err) or are not all known yet; nil when neither.
func Unready(r *Resource, err error, known bool) error {
	if err != nil {
		return fmt.Errorf("%s: %w", r.RID(), err)
	}
	if !known {
		return fmt.Errorf("%s: attributes are not known yet", r.RID())
	}
	return nil
}
