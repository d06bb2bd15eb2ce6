package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
)

// desiredStates are the values of -desired.
var desiredStates = []plan.Target{plan.TargetUp, plan.TargetStandby, plan.TargetDown, plan.TargetProvision, plan.TargetUnprovision}

// Resolve checks a selection against cfg and completes it: -target's
// resource addresses must name resources of cfg (and of --service when
// given), and select their services; a -target naming a desired state is
// the deprecated spelling of -desired, taken with a warning when no
// service has that name. It may be called again on its result.
func (e *Env) Resolve(cfg *lang.Config, sel *Selection) error {
	var addrs []string
	for _, a := range sel.Addresses {
		if !slices.Contains(desiredStates, plan.Target(a)) {
			addrs = append(addrs, a)
			continue
		}
		if cfg.Service(a) != nil {
			return fmt.Errorf("-target %s is ambiguous: service %s, or the desired state %s? Write -desired %s for the state; for the service, name its resources (-target %s.KIND#NAME) or use --service %s", a, a, a, a, a, a)
		}
		if sel.Target != "" && sel.Target != a {
			return fmt.Errorf("-target %s (the deprecated spelling of -desired %s) contradicts -desired %s", a, a, sel.Target)
		}
		sel.Target = a
		fmt.Fprintf(e.Err, "%s -target %s names a desired state: write -desired %s. -target now takes resource addresses (web.ip#0), as in Terraform; this spelling will go.\n", e.Colors(e.Err).Yellow("Warning:"), a, a)
	}
	sel.Addresses = addrs
	if sel.Target != "" && !slices.Contains(desiredStates, plan.Target(sel.Target)) {
		return fmt.Errorf("invalid -desired %q: want up, standby, down, provision or unprovision", sel.Target)
	}
	if len(addrs) == 0 {
		return nil
	}
	if len(sel.RIDs) > 0 || len(sel.Tags) > 0 {
		return fmt.Errorf("-target and --rid/--tag do not combine: --rid and --tag act on exactly the resources they select, -target adds what those need; use one or the other")
	}
	var services []string
	for _, a := range addrs {
		svc, rid, err := plan.ParseAddress(a)
		if err != nil {
			return fmt.Errorf("-target %w", err)
		}
		s := cfg.Service(svc)
		if s == nil {
			return fmt.Errorf("-target %s: %w", a, ErrNoService(svc))
		}
		if len(sel.Services) > 0 && !slices.Contains(sel.Services, svc) {
			return fmt.Errorf("-target %s: service %s is not among --service %s", a, svc, strings.Join(sel.Services, ","))
		}
		if err := hasResource(s, rid); err != nil {
			return fmt.Errorf("-target %s: %w", a, err)
		}
		if !slices.Contains(services, svc) {
			services = append(services, svc)
		}
	}
	if len(sel.Services) == 0 {
		sel.Services = services
	}
	return nil
}

// hasResource refuses a rid (or kind) that names no resource of svc: a
// typo would otherwise plan nothing and look like success.
func hasResource(svc *lang.Service, rid string) error {
	if rid == "" {
		return nil
	}
	var have []string
	for _, b := range svc.Blocks {
		if plan.SelectsRID(rid, b.RID()) {
			return nil
		}
		have = append(have, svc.Name+"."+b.RID())
	}
	return fmt.Errorf("no such resource (the resources: %s)", strings.Join(have, ", "))
}
