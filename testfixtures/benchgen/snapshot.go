package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/omhcl/omhcl/lang"
	"github.com/omhcl/omhcl/plan"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// mix is what the snapshot says of a service on the node.
type mix int

const (
	converged mix = iota // up, applied as configured: nothing to do
	down                 // provisioned, stopped: the plan starts it all
	changed              // up, but its address moved and an app is down
)

// mixOf spreads the services: half converged, a quarter down, a quarter
// changed, interleaved so every slice of the set has the same blend.
func mixOf(i int) mix {
	switch i % 4 {
	case 2:
		return down
	case 3:
		return changed
	}
	return converged
}

// snapshotOf builds the live state of every service of cfg on node, the
// way plan/plan_test.go does: start from the state of a node that never
// saw the service, then fill in statuses, exposed and applied values.
func snapshotOf(ctx context.Context, cfg *lang.Config, node string) (*plan.Live, error) {
	live := &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}
	for i, svc := range cfg.Services {
		li, err := liveInstance(ctx, svc, node, i)
		if err != nil {
			return nil, err
		}
		live.Services = append(live.Services, li)
	}
	return live, nil
}

func liveInstance(ctx context.Context, svc *lang.Service, node string, i int) (*plan.LiveInstance, error) {
	fresh := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: node}}
	inst, li, diags := fresh.Instance(ctx, svc, node)
	if diags.HasErrors() {
		return nil, fmt.Errorf("service %s: %s", svc.Name, diags.Error())
	}
	m := mixOf(i)
	setStates(li, i, m)
	if m != down {
		var err error
		if inst, err = settle(ctx, svc, li); err != nil {
			return nil, err
		}
	}
	describe(inst, li)
	if m == changed {
		applyChanges(li, i)
	}
	return li, nil
}

// setStates marks the instance provisioned, up unless m is down, with the
// values its drivers would expose.
func setStates(li *plan.LiveInstance, i int, m mix) {
	li.Provisioned = true
	li.Status = map[mix]providers.State{converged: providers.Up, down: providers.Down, changed: providers.Warn}[m]
	disks := 0
	for _, lr := range li.Resources {
		lr.Provisioned = lr.Provisionable
		// The flags were computed for an unprovisioned resource.
		lr.Flags = strings.Replace(lr.Flags, "P", ".", 1)
		lr.Exposed = exposedOf(lr, i, m, disks)
		if lr.Kind == "disk" {
			disks++
		}
		if m != down {
			lr.Status = providers.Up
		}
	}
}

// describe fills in the status descriptions the drivers give.
func describe(inst *lang.Instance, li *plan.LiveInstance) {
	for _, lr := range li.Resources {
		if r := inst.Resource(lr.RID); r != nil {
			if drv, err := plan.NewDriver(r); err == nil {
				lr.Description = drv.Describe()
			}
		}
	}
}

// exposedOf is what the drivers expose: the address always (it comes from
// the configuration), a loop device only while the disk is attached. disk
// is the resource's rank among the service's disks.
func exposedOf(lr *plan.LiveResource, i int, m mix, disk int) plan.Values {
	switch {
	case lr.Kind == "ip":
		return plan.Values{"ipaddr": cty.StringVal(serviceAddr(i, false)), "prefix": cty.NumberIntVal(16)}
	case lr.Kind == "disk" && m != down:
		dev := fmt.Sprintf("/dev/loop%d", i*2+disk)
		return plan.Values{"exposed_devs": cty.ListVal([]cty.Value{cty.StringVal(dev)})}
	}
	return nil
}

// settle records as applied what the configuration evaluates to with the
// snapshot's exposed values, as after a successful omapply.
// It returns the instance so evaluated.
func settle(ctx context.Context, svc *lang.Service, li *plan.LiveInstance) (*lang.Instance, error) {
	one := plan.Snapshot{Live: &plan.Live{FormatVersion: plan.LiveFormatVersion, Node: li.Node, Services: []*plan.LiveInstance{li}}}
	inst, _, diags := one.Instance(ctx, svc, li.Node)
	if diags.HasErrors() {
		return nil, fmt.Errorf("service %s: %s", svc.Name, diags.Error())
	}
	for _, lr := range li.Resources {
		r := inst.Resource(lr.RID)
		if r == nil {
			return nil, fmt.Errorf("service %s: no resource %s after evaluation", svc.Name, lr.RID)
		}
		applied := plan.Values{}
		for k, v := range r.Attrs {
			if v.IsWhollyKnown() {
				applied[k] = v
			}
		}
		lr.Applied = &applied
	}
	return inst, nil
}

// applyChanges gives a settled service work to do: it was applied with
// another address (the ip is replaced, the apps using it restarted), and
// its worker app has stopped (started again).
func applyChanges(li *plan.LiveInstance, i int) {
	if ip := li.Resource("ip#vip"); ip != nil && ip.Applied != nil {
		(*ip.Applied)["ipname"] = cty.StringVal(serviceAddr(i, true) + "/16")
	}
	if w := li.Resource("app#worker"); w != nil {
		w.Status = providers.Down
	}
}
