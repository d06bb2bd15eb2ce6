package main

import (
	"io"
	"slices"
	"strings"

	"github.com/omhcl/omhcl/cmd/internal/cli"
	"github.com/omhcl/omhcl/lang"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// isCompletion says whether args are the shell's completion request: the
// scripts "om completion bash|zsh|fish" writes run "om __complete WORD...
// PARTIAL" (__completeNoDesc without descriptions) at each tab.
func isCompletion(args []string) bool {
	return len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd)
}

// completer completes om's words in both orders: service names (from the
// configuration om ls reads, with no daemon), then the commands that take a
// service, then --rid values from the services' resources.
type completer struct {
	root *cobra.Command
	e    *cli.Env
	// service is the service typed before the command ("om svc1 start
	// --rid <TAB>"), taken out of the words cobra sees.
	service string
}

// completionArgs prepares root to complete and returns the request cobra is
// to answer. cobra only knows the command-first order, and the hidden
// __complete command it adds at Execute is not there yet for seedOrder to
// recognize, so the request is never reordered by seedOrder: a service
// typed first is set aside here instead, for the completion functions.
func completionArgs(root *cobra.Command, e *cli.Env, args []string) []string {
	c := &completer{root: root, e: e}
	e.Err = io.Discard // configuration diagnostics are no completion
	// "om svc1 <TAB>" is root with one argument: Args lets cobra find it.
	root.Args = cobra.ArbitraryArgs
	root.ValidArgsFunction = c.rootArgs
	c.hook(root)
	if len(args) < 2 {
		return args
	}
	typed := args[1 : len(args)-1]
	words := positionals(root, typed)
	if len(words) < 2 || isCommand(root, typed[words[0]]) {
		return args // nothing typed, command first, or "om svc1 <TAB>"
	}
	c.service = typed[words[0]]
	out := append([]string{args[0]}, typed[:words[0]]...)
	out = append(out, typed[words[0]+1:]...)
	return append(out, args[len(args)-1])
}

// hook gives every command taking services a completion of their names and
// every --rid flag a completion of the services' resource ids.
func (c *completer) hook(cmd *cobra.Command) {
	if cmd != c.root && cmd.ValidArgsFunction == nil && takesService(cmd) && !cmd.HasSubCommands() {
		cmd.ValidArgsFunction = c.serviceArgs
	}
	if cmd.Flags().Lookup("rid") != nil {
		cmd.RegisterFlagCompletionFunc("rid", c.rids)
	}
	for _, sub := range cmd.Commands() {
		c.hook(sub)
	}
}

// takesService says whether cmd, or one of its subcommands, names services
// in its arguments ("start SERVICE...", "ls [SELECTOR...]").
func takesService(cmd *cobra.Command) bool {
	if strings.Contains(cmd.Use, "SERVICE") || strings.Contains(cmd.Use, "SELECTOR") {
		return true
	}
	return slices.ContainsFunc(cmd.Commands(), takesService)
}

// rootArgs completes om's first words: service names beside the commands
// cobra lists, then after a service the commands that take one.
func (c *completer) rootArgs(cmd *cobra.Command, args []string, partial string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch {
	case c.service == "" && len(args) == 0:
		return c.serviceNames(cmd, partial), cobra.ShellCompDirectiveNoFileComp
	case c.service == "" && len(args) == 1:
		var out []cobra.Completion
		for _, sub := range c.root.Commands() {
			// hidden commands are not offered, but for the seed's "om
			// svc1 print status"; the agent's protocol is for nodes
			if (sub.Hidden && sub.Name() != "print") || !takesService(sub) || !strings.HasPrefix(sub.Name(), partial) {
				continue
			}
			out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// serviceArgs completes the arguments of a command taking services: the
// words it takes before them (set's provisioned|unprovisioned), then
// service names, none after a service typed first nor for create, whose
// service is a new one.
func (c *completer) serviceArgs(cmd *cobra.Command, args []string, partial string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if n := leadingArgs[cmd.Name()]; len(args) < n {
		var out []cobra.Completion
		for _, w := range strings.Split(strings.Fields(cmd.Use)[1+len(args)], "|") {
			if strings.HasPrefix(w, partial) {
				out = append(out, w)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	if c.service != "" || cmd.Name() == "create" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, name := range c.serviceNames(cmd, partial) {
		if !slices.Contains(args, name) {
			out = append(out, name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// serviceNames are the configured services whose name starts with
// partial, as om ls lists them.
func (c *completer) serviceNames(cmd *cobra.Command, partial string) []cobra.Completion {
	cfg := c.config(cmd)
	if cfg == nil {
		return nil
	}
	var out []cobra.Completion
	for _, s := range cfg.Services {
		if strings.HasPrefix(s.Name, partial) {
			out = append(out, s.Name)
		}
	}
	return out
}

// rids completes --rid with the resource ids of the services named (first,
// or in the arguments), after those already in a comma-separated value;
// under sync, the sync resources and sync#i0, the configuration.
func (c *completer) rids(cmd *cobra.Command, args []string, partial string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg := c.config(cmd)
	if cfg == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	selectors := args[min(leadingArgs[cmd.Name()], len(args)):]
	if c.service != "" {
		selectors = []string{c.service}
	}
	head, last := "", partial
	if i := strings.LastIndex(partial, ","); i >= 0 {
		head, last = partial[:i+1], partial[i+1:]
	}
	given := strings.Split(head, ",")
	sync := cmd.HasParent() && cmd.Parent().Name() == "sync"
	var ids []string
	if sync {
		ids = append(ids, "sync#i0")
	}
	for _, sel := range selectors {
		if strings.Contains(sel, "#") {
			continue // "om svc1 stop app#web": a resource id, not a service
		}
		names, err := cli.Select(cfg, []string{sel})
		if err != nil {
			continue
		}
		for _, name := range names {
			for _, b := range cfg.Service(name).Blocks {
				if !sync || b.Kind == "sync" {
					ids = append(ids, b.RID())
				}
			}
		}
	}
	var out []cobra.Completion
	for _, id := range ids {
		if strings.HasPrefix(id, last) && !slices.Contains(given, id) && !slices.Contains(out, head+id) {
			out = append(out, head+id)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// config loads the configuration om would act on, nil when it does not
// load.
func (c *completer) config(cmd *cobra.Command) *lang.Config {
	var paths []string
	if f := cmd.Flag("config"); f != nil {
		if v, ok := f.Value.(pflag.SliceValue); ok {
			paths = v.GetSlice()
		}
	}
	cfg, err := c.e.LoadConfig(cli.ConfigPaths(paths))
	if err != nil {
		return nil
	}
	return cfg
}
