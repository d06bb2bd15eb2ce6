package apply

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omhcl/omhcl/state"
)

// Every apply records, per service, the steps it applied and how they
// went in the node's state (state.Store.RecordAction): om SVC logs reads
// it.

type byKey struct{}

// WithBy says who asks for the steps applied under ctx, for the record
// of the actions (om SVC logs): the daemon says its decision and why.
// Without it, the record says the command line.
func WithBy(ctx context.Context, by string) context.Context {
	return context.WithValue(ctx, byKey{}, by)
}

func byOf(ctx context.Context) string {
	if by, ok := ctx.Value(byKey{}).(string); ok {
		return by
	}
	return commandLine()
}

// commandLine is this process's command line, its program by its base
// name, bounded.
func commandLine() string {
	if len(os.Args) == 0 {
		return "?"
	}
	line := strings.Join(append([]string{filepath.Base(os.Args[0])}, os.Args[1:]...), " ")
	if len(line) > 300 {
		line = line[:300] + "..."
	}
	return line
}

// record keeps what the apply did to one service; a record that cannot
// be written fails nothing (it is the record, not the action).
func record(ctx context.Context, o Options, res *ServiceResult, began time.Time) {
	steps := stepsOf(o.Plan, res.Service)
	if len(steps) == 0 || o.Store == nil {
		return
	}
	a := state.Action{Time: began.UTC(), Node: o.Plan.Node, Service: res.Service, By: byOf(ctx), Outcome: "ok",
		Failed: res.Failed, RolledBack: res.RolledBack, Warnings: res.Warnings, Seconds: time.Since(began).Seconds()}
	for _, st := range steps {
		a.Steps = append(a.Steps, string(st.Action)+" "+stepName(st))
	}
	if res.Err != nil {
		a.Outcome, a.Error = "failed", res.Err.Error()
	}
	o.Store.RecordAction(a)
}
