package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/omhcl/omhcl/apply"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
)

// events writes omapply -json's events, one JSON object per line, as
// terraform apply -json does: every event has "type", "@level",
// "@message" and "@timestamp" (docs/omapply.md lists them).
type events struct {
	mu    sync.Mutex
	enc   *json.Encoder
	node  string
	began time.Time
	// log is the driver log: its lines are each step's output
	log *providers.Log
}

// event is one line; the fields past the common ones belong to some
// types only.
type event struct {
	Type      string `json:"type"`
	Level     string `json:"@level"`
	Message   string `json:"@message"`
	Timestamp string `json:"@timestamp"`
	Node      string `json:"node"`

	// plan
	PlanID    string          `json:"plan_id,omitempty"`
	Changes   *plan.Counts    `json:"changes,omitempty"`
	Resources []plannedChange `json:"resource_changes,omitempty"`
	Steps     []plannedStep   `json:"steps,omitempty"`
	Replanned bool            `json:"replanned,omitempty"`
	Moved     []string        `json:"moved,omitempty"`

	// diagnostic
	Diagnostic *lang.JSONDiagnostic `json:"diagnostic,omitempty"`

	// apply_start, apply_complete, apply_errored
	Resource  string           `json:"resource,omitempty"`
	Service   string           `json:"service,omitempty"`
	RID       string           `json:"rid,omitempty"`
	Action    providers.Action `json:"action,omitempty"`
	EncapNode string           `json:"encap_node,omitempty"`
	Rollback  bool             `json:"rollback,omitempty"`
	Output    *[]string        `json:"output,omitempty"`

	// apply_complete, apply_errored, outcome
	ElapsedMS *int64 `json:"elapsed_ms,omitempty"`
	Error     string `json:"error,omitempty"`

	// outcome
	Status   string          `json:"status,omitempty"`
	Services []serviceResult `json:"services,omitempty"`
	Handed   []string        `json:"handed_to_cluster,omitempty"`
}

type plannedChange struct {
	Address string             `json:"address"`
	Actions []providers.Action `json:"actions"`
	Reason  string             `json:"reason,omitempty"`
}

type plannedStep struct {
	Resource string           `json:"resource"`
	Action   providers.Action `json:"action"`
}

type serviceResult struct {
	Service    string   `json:"service"`
	Steps      int      `json:"steps"`
	Failed     string   `json:"failed,omitempty"`
	Error      string   `json:"error,omitempty"`
	RolledBack []string `json:"rolled_back,omitempty"`
	Warnings   []string `json:"warnings,omitempty"`
}

func newEvents(w io.Writer, node string) *events {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // commands hold > and &: keep them readable
	return &events{enc: enc, node: node, began: time.Now(), log: providers.NewLog(io.Discard)}
}

func (ev *events) emit(x event) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if x.Level == "" {
		x.Level = "info"
	}
	x.Timestamp = time.Now().Format(time.RFC3339Nano)
	if x.Node == "" {
		x.Node = ev.node
	}
	ev.enc.Encode(x)
}

// plan is the event of a plan about to be applied, and of its warnings.
func (ev *events) plan(p *plan.Plan, replanned bool, moved []string) {
	n := plan.CountChanges(p)
	x := event{Type: "plan", Message: plan.Summary(p), Node: p.Node, PlanID: p.ID, Changes: &n, Replanned: replanned, Moved: moved,
		Resources: []plannedChange{}, Steps: []plannedStep{}}
	if p.Empty() {
		x.Message = "No changes."
	}
	for _, c := range p.Changes {
		x.Resources = append(x.Resources, plannedChange{Address: c.Address, Actions: c.Actions, Reason: c.Reason})
	}
	for _, s := range p.Steps {
		x.Steps = append(x.Steps, plannedStep{Resource: s.Address, Action: s.Action})
	}
	ev.emit(x)
	for i := range p.Diagnostics {
		d := p.Diagnostics[i]
		ev.emit(event{Type: "diagnostic", Level: d.Severity, Message: d.Summary + ": " + d.Detail, Node: p.Node, Diagnostic: &d})
	}
}

// step is apply's Step hook: apply_start now, apply_complete or
// apply_errored when the step ends, with its duration and the driver
// log's lines since it began (apply runs one step at a time).
func (ev *events) step(st plan.Step, rollback bool) func(error) {
	what := string(st.Action)
	if rollback {
		what += " (rollback)"
	}
	base := event{Resource: st.Address, Service: st.Service, RID: st.RID, Action: st.Action, EncapNode: st.EncapNode, Rollback: rollback}
	start := base
	start.Type, start.Message = "apply_start", fmt.Sprintf("%s: %s...", st.Address, what)
	ev.emit(start)
	from := len(ev.log.Lines())
	began := time.Now()
	return func(err error) {
		ms := time.Since(began).Milliseconds()
		out := []string{}
		for _, l := range ev.log.Lines()[from:] {
			if !strings.HasPrefix(l, "@ ") { // a resource's header
				out = append(out, strings.TrimPrefix(l, "  "))
			}
		}
		end := base
		end.Output, end.ElapsedMS = &out, &ms
		end.Type, end.Message = "apply_complete", fmt.Sprintf("%s: %s complete after %dms", st.Address, what, ms)
		if err != nil {
			end.Type, end.Level, end.Error = "apply_errored", "error", err.Error()
			end.Message = fmt.Sprintf("%s: %s errored after %dms: %v", st.Address, what, ms, err)
		}
		ev.emit(end)
	}
}

// outcome is the last event: what the run did, and its error.
func (ev *events) outcome(p *plan.Plan, res *apply.Result, handed []string, err error) {
	ms := time.Since(ev.began).Milliseconds()
	x := event{Type: "outcome", ElapsedMS: &ms, Handed: handed}
	switch {
	case err != nil:
		x.Status, x.Level = "errored", "error"
		x.Error = err.Error()
		if errors.Is(err, cli.ErrReported) && !errors.As(err, new(cli.Reported)) {
			x.Error = "errors reported on stderr" // configuration diagnostics
		}
		x.Message = "Error: " + x.Error
	case res == nil && len(handed) > 0 && (p == nil || p.Empty()):
		x.Status, x.Message = "handed", "Configuration handed to the cluster, whose orchestrator places it: "+strings.Join(handed, ", ")
	case res == nil:
		x.Status, x.Message = "no_changes", "No changes."
	default:
		n := plan.CountChanges(p)
		x.Status, x.Changes = "applied", &n
		x.Message = "Apply complete! " + plan.AppliedSummary(p)
	}
	if res != nil {
		if x.Status == "errored" {
			x.Changes = nil
		}
		for _, s := range res.Services {
			r := serviceResult{Service: s.Service, Steps: s.Steps, Failed: s.Failed, RolledBack: s.RolledBack, Warnings: s.Warnings}
			if s.Err != nil {
				r.Error = s.Err.Error()
			}
			x.Services = append(x.Services, r)
		}
	}
	ev.emit(x)
}
