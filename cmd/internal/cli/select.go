package cli

import (
	"fmt"
	"path"
	"strings"

	"github.com/omhcl/omhcl/lang"
)

// Selectors name services the OpenSVC way, wherever a service name is
// taken: a name ("svc1"), a glob on names ("web*", path.Match syntax), or
// an object path NAMESPACE/KIND/NAME whose parts are globs too ("*/svc/*").
// omhcl has no namespaces and one kind: every service is root/svc/NAME.
// Commas join selectors ("web*,db1"). Service names cannot hold any of
// these characters, so a plain name is never taken for a pattern.
const (
	Namespace = "root"
	Kind      = "svc"
)

// IsSelector reports whether s is a pattern rather than a plain name.
func IsSelector(s string) bool { return strings.ContainsAny(s, "*?[/,") }

// AnySelector reports whether one of args is a pattern.
func AnySelector(args []string) bool {
	for _, a := range args {
		if IsSelector(a) {
			return true
		}
	}
	return false
}

// Select expands selectors into service names of cfg, in configuration
// order, each once. A plain name must name a service and a pattern must
// match one: the error names the word that did not.
func Select(cfg *lang.Config, selectors []string) ([]string, error) {
	picked := map[string]bool{}
	for _, sel := range selectors {
		for _, s := range strings.Split(sel, ",") {
			if !IsSelector(s) {
				if cfg.Service(s) == nil {
					return nil, ErrNoService(s)
				}
				picked[s] = true
				continue
			}
			n, err := match(cfg, s, picked)
			if err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, fmt.Errorf("no service matches %q (services are %s/%s/NAME)", s, Namespace, Kind)
			}
		}
	}
	var out []string
	for _, svc := range cfg.Services {
		if picked[svc.Name] {
			out = append(out, svc.Name)
		}
	}
	return out, nil
}

// ErrNoService says a plain name names no service.
func ErrNoService(name string) error {
	return fmt.Errorf("no service %q in the configuration", name)
}

// match marks the services pattern selects and returns how many it did.
func match(cfg *lang.Config, pattern string, picked map[string]bool) (int, error) {
	parts := strings.Split(pattern, "/")
	var want [3]string
	switch len(parts) {
	case 1:
		want = [3]string{Namespace, Kind, parts[0]}
	case 3:
		want = [3]string{parts[0], parts[1], parts[2]}
	default:
		return 0, fmt.Errorf("selector %q: want NAME or NAMESPACE/KIND/NAME (every service is %s/%s/NAME)", pattern, Namespace, Kind)
	}
	for _, w := range want {
		if _, err := path.Match(w, ""); err != nil {
			return 0, fmt.Errorf("selector %q: %v", pattern, err)
		}
	}
	n := 0
	for _, svc := range cfg.Services {
		ok := true
		for i, got := range [3]string{Namespace, Kind, svc.Name} {
			m, _ := path.Match(want[i], got) // checked above
			ok = ok && m
		}
		if ok {
			picked[svc.Name] = true
			n++
		}
	}
	return n, nil
}
