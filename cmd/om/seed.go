package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// leadingArgs are the words a command takes before its services: "om svc1
// set provisioned" runs "om set provisioned svc1".
var leadingArgs = map[string]int{"set": 1}

// seedOrder accepts the OpenSVC word order, SERVICE COMMAND, wherever the
// flags stand. The first word that is neither a flag nor a flag's value,
// when it is no command, is a service (or a selector): it moves after the
// command path that follows it, so "om --config DIR svc1 print status -r"
// runs "om print status svc1 --config DIR -r". A word that is no command
// where one is due is named in the error.
func seedOrder(root *cobra.Command, args []string) ([]string, error) {
	words := positionals(root, args)
	if len(words) == 0 || isCommand(root, args[words[0]]) {
		return args, nil
	}
	svc := args[words[0]]
	if len(words) == 1 {
		return nil, fmt.Errorf("unknown command %q%s; a service name comes before a command, as in \"om %s print status\"", svc, suggest(root, svc), svc)
	}
	cmd := subcommand(root, args[words[1]])
	if cmd == nil {
		if hint := suggest(root, svc); hint != "" { // "om stauts svc1"
			return nil, fmt.Errorf("unknown command %q%s", svc, hint)
		}
		hint := suggest(root, args[words[1]])
		if hint == "" {
			hint = " (om --help lists the commands)"
		}
		return nil, fmt.Errorf("unknown command %q for service %q%s", args[words[1]], svc, hint)
	}
	last := 1 // index in words of the command path's last word
	for last+1 < len(words) {
		sub := subcommand(cmd, args[words[last+1]])
		if sub == nil {
			break
		}
		cmd, last = sub, last+1
	}
	if cmd.HasSubCommands() {
		word := strings.TrimPrefix(cmd.CommandPath(), root.Name()+" ")
		if last+1 < len(words) {
			word += " " + args[words[last+1]]
		}
		var subs []string
		for _, sub := range cmd.Commands() {
			subs = append(subs, cmd.Name()+" "+sub.Name())
		}
		return nil, fmt.Errorf("unknown command %q for service %q (did you mean %s?)", word, svc, strings.Join(subs, ", "))
	}
	last = min(last+leadingArgs[cmd.Name()], len(words)-1)
	// The command path first, then the service, then every other word in
	// its order: cobra takes flags anywhere after the command, but one
	// between "print" and "status" would hide "status" from it.
	out := make([]string, 0, len(args))
	used := map[int]bool{}
	for _, i := range words[1 : last+1] {
		out = append(out, args[i])
		used[i] = true
	}
	out = append(out, svc)
	used[words[0]] = true
	for i, a := range args {
		if !used[i] {
			out = append(out, a)
		}
	}
	return out, nil
}

// positionals returns the indexes in args of the words that are neither
// flags nor the values of flags, up to "--".
func positionals(root *cobra.Command, args []string) []int {
	var idx []int
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return idx
		case len(a) > 1 && a[0] == '-':
			if !strings.Contains(a, "=") {
				if f := lookupFlag(root, a); f != nil && f.NoOptDefVal == "" {
					i++ // "--config DIR": DIR is the flag's
				}
			}
		default:
			idx = append(idx, i)
		}
	}
	return idx
}

// lookupFlag finds the flag arg stands for on c or any of its subcommands:
// "--name" and terraform's "-name" by name, "-n" by shorthand.
func lookupFlag(c *cobra.Command, arg string) *pflag.Flag {
	name := strings.TrimLeft(arg, "-")
	find := func(fs *pflag.FlagSet) *pflag.Flag {
		if len(name) == 1 && !strings.HasPrefix(arg, "--") {
			return fs.ShorthandLookup(name)
		}
		return fs.Lookup(name)
	}
	if f := find(c.PersistentFlags()); f != nil {
		return f
	}
	if f := find(c.Flags()); f != nil {
		return f
	}
	for _, sub := range c.Commands() {
		if f := lookupFlag(sub, arg); f != nil {
			return f
		}
	}
	return nil
}

func subcommand(c *cobra.Command, name string) *cobra.Command {
	for _, sub := range c.Commands() {
		if sub.Name() == name || sub.HasAlias(name) {
			return sub
		}
	}
	return nil
}

func isCommand(root *cobra.Command, name string) bool {
	return subcommand(root, name) != nil || name == "help" || name == "completion"
}

// suggest returns cobra's "did you mean" for a mistyped command.
func suggest(c *cobra.Command, word string) string {
	if names := c.SuggestionsFor(word); len(names) > 0 {
		return fmt.Sprintf(" (did you mean %s?)", strings.Join(names, ", "))
	}
	return ""
}
