package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/state"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
)

// newPrint is the seed's "om SVC print status" (status) and "om SVC print
// config".
func newPrint(e *cli.Env, cf *configFlags) *cobra.Command {
	return group("print", "Print a service's status or configuration", newStatus(e, cf), newPrintConfig(e, cf))
}

// newJSON is seed 002's "om SVC json status": status --json.
func newJSON(e *cli.Env, cf *configFlags) *cobra.Command {
	st := newStatus(e, cf)
	st.Short = "Print services' status as JSON (om status --json)"
	st.Example = "  om svc1 json status\n  om json status svc1 | jq '.services[0].status'"
	f := st.Flags().Lookup("json")
	f.Value.Set("true")
	f.DefValue, f.Hidden = "true", true
	return group("json", "Print a service's status as JSON (seed 002's om SVC json status)", st)
}

func newPrintConfig(e *cli.Env, cf *configFlags) *cobra.Command {
	var eval bool
	cmd := &cobra.Command{
		Use:   "config SERVICE...",
		Short: "Print a service's configuration in force on this node (--eval: its values evaluated here)",
		Long: `config prints the service block om and the daemon act on, from the file
holding it, or from the cluster's copy on a node whose configuration
directory is empty: the configuration om status, om SVC start and omplan use.
A comment line before it says where it comes from, and the generation the
cluster distributed when this node keeps one (whether the file differs).

--eval prints the service as evaluated on this node (--node NODE: as NODE
would): the settings, then each resource with its type and every attribute
set, expressions and variables replaced by their values, the defaults
filled in. Values other resources expose are read from this node's live
state (a loop disk's device once it is up); one not known yet prints as
null, with a comment.`,
		Example: "  om web print config\n  om web print config --eval\n  om --node node2 web print config --eval",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, names, err := cf.services(e, args)
			if err != nil {
				return err
			}
			for i, name := range names {
				if i > 0 {
					fmt.Fprintln(e.Out)
				}
				if !eval {
					printSource(e.Out, cfg, name, e.Store())
					continue
				}
				svc := cfg.Service(name)
				inst, _, diags := e.Drivers(cfg).Instance(cmd.Context(), svc, e.NodeName())
				if diags.HasErrors() {
					lang.WriteDiagnostics(e.Err, cfg.Files, diags, bool(e.Colors(e.Err)))
					return cli.ErrReported
				}
				fmt.Fprintf(e.Out, "# %s evaluated on node %s (%s)\n", name, e.NodeName(), where(svc))
				e.Out.Write(evaluatedHCL(inst))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&eval, "eval", false, "print the values as evaluated on this node")
	return cmd
}

// where says where a service's block is.
func where(svc *lang.Service) string {
	r := svc.Range
	return fmt.Sprintf("%s, lines %d-%d", r.Filename, r.Start.Line, r.End.Line)
}

// printSource prints the block of the service as written, after a
// comment saying where it is and which generation the node keeps.
func printSource(w io.Writer, cfg *lang.Config, name string, store *state.Store) {
	src := cfg.ServiceSource(name)
	if _, err := os.Stat(cfg.Service(name).Range.Filename); err == nil {
		fmt.Fprintf(w, "# %s\n", where(cfg.Service(name)))
	} else { // a node whose configuration directory is empty
		fmt.Fprintf(w, "# no file here: the configuration the cluster distributed to this node\n")
	}
	if kept := store.LoadConfig(name); kept != nil {
		same := "this text"
		if kept.Source != string(src) {
			same = "another text: omapply, or om " + name + " edit config, hands this one over"
		}
		fmt.Fprintf(w, "# the cluster's copy on this node: generation %d (%s), %s\n", kept.Gen, kept.Hash, same)
	}
	w.Write(src)
	if !bytes.HasSuffix(src, []byte("\n")) {
		fmt.Fprintln(w)
	}
}

// evaluatedHCL writes an evaluated instance as an HCL service block.
func evaluatedHCL(inst *lang.Instance) []byte {
	f := hclwrite.NewEmptyFile()
	body := f.Body().AppendNewBlock("service", []string{inst.Service}).Body()
	st := inst.Settings
	setStrings(body, "nodes", st.Nodes)
	setStrings(body, "drpnodes", st.DrpNodes)
	setStrings(body, "encapnodes", st.EncapNodes)
	for _, kv := range []struct{ k, v string }{{"id", st.ID}, {"app", st.App}, {"orchestrate", st.Orchestrate},
		{"topology", st.Topology}, {"placement", st.Placement}, {"monitor_action", st.MonitorAction}} {
		if kv.v != "" {
			body.SetAttributeValue(kv.k, cty.StringVal(kv.v))
		}
	}
	if st.Topology == "flex" {
		body.SetAttributeValue("flex_min", cty.NumberIntVal(int64(st.FlexMin)))
		body.SetAttributeValue("flex_max", cty.NumberIntVal(int64(st.FlexMax)))
	}
	for _, r := range inst.Resources {
		body.AppendNewline()
		rb := body.AppendNewBlock(r.Kind, []string{r.Name}).Body()
		if r.Type != "" {
			rb.SetAttributeValue("type", cty.StringVal(r.Type))
		}
		names := make([]string, 0, len(r.Attrs))
		for k := range r.Attrs {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			setValue(rb, k, r.Attrs[k])
		}
		setCommon(rb, r.Common, inst.DependsOn[r.RID()])
	}
	return hclwrite.Format(f.Bytes())
}

func setStrings(b *hclwrite.Body, name string, list []string) {
	if len(list) == 0 {
		return
	}
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	b.SetAttributeValue(name, cty.ListVal(vals))
}

// setValue sets an attribute of a known value; an unknown one is null,
// said so in a comment; a null one is left out.
func setValue(b *hclwrite.Body, name string, v cty.Value) {
	switch {
	case v == cty.NilVal || (v.IsKnown() && v.IsNull()):
	case !v.IsWhollyKnown():
		b.SetAttributeRaw(name, hclwrite.Tokens{
			{Type: hclsyntax.TokenIdent, Bytes: []byte("null")},
			{Type: hclsyntax.TokenComment, Bytes: []byte(" # " + providers.Unknown + "\n")},
		})
	default:
		b.SetAttributeValue(name, v)
	}
}

// setCommon sets the settings every resource takes, those that differ
// from their defaults.
func setCommon(b *hclwrite.Body, c providers.Common, deps []string) {
	for _, kv := range []struct {
		k  string
		on bool
	}{{"disable", c.Disable}, {"optional", c.Optional}, {"monitor", c.Monitor}, {"standby", c.Standby}, {"encap", c.Encap}} {
		if kv.on {
			b.SetAttributeValue(kv.k, cty.True)
		}
	}
	if !c.Provision {
		b.SetAttributeValue("provision", cty.False)
	}
	if c.Restart > 0 {
		b.SetAttributeValue("restart", cty.NumberIntVal(int64(c.Restart)))
	}
	if c.RestartDelay > 0 {
		b.SetAttributeValue("restart_delay", cty.StringVal(c.RestartDelay.String()))
	}
	setStrings(b, "tags", c.Tags)
	if len(deps) > 0 { // references, depends_on and the kind order
		b.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte("# starts after " + strings.Join(deps, ", ") + "\n")}})
	}
}
