package containerkvm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

var (
	_ providers.ExistChecker = (*driver)(nil)
	_ providers.Executor     = (*driver)(nil)
	_ providers.EventSource  = (*driver)(nil)
	_ providers.DriftChecker = (*driver)(nil)
	_ providers.StrayFinder  = (*driver)(nil)
)

type driver struct {
	r *providers.Resource
}

// name is the domain's name: set, or the service and resource names.
func (d *driver) name() string {
	if n := d.r.Str("name"); n != "" {
		return n
	}
	return d.r.Service + "." + d.r.Name
}

func (d *driver) known() bool {
	return d.name() != providers.Unknown && d.r.Str("uri") != providers.Unknown
}

func (d *driver) startTimeout() time.Duration { return d.r.Duration("start_timeout", 90*time.Second) }
func (d *driver) stopTimeout() time.Duration  { return d.r.Duration("stop_timeout", 60*time.Second) }

// domainState is a domain's state as libvirt reports it.
type domainState struct {
	defined bool
	dom     libvirt.Domain
	state   libvirt.DomainState
	reason  int32
}

// lookup finds the domain and its state; defined is false when libvirt
// has no domain of that name. A libvirtd that does not answer is an error.
func (d *driver) lookup(ctx context.Context) (domainState, error) {
	return call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (domainState, error) {
		dom, err := l.DomainLookupByName(d.name())
		if isNoDomain(err) {
			return domainState{}, nil
		}
		if err != nil {
			return domainState{}, err
		}
		st, reason, err := l.DomainGetState(dom, 0)
		if isNoDomain(err) { // undefined since
			return domainState{}, nil
		}
		return domainState{defined: true, dom: dom, state: libvirt.DomainState(st), reason: reason}, err
	})
}

func (s domainState) running() bool {
	return s.defined && (s.state == libvirt.DomainRunning || s.state == libvirt.DomainBlocked)
}

// Exists reports whether libvirt has the domain defined: provision then
// only redefines it.
func (d *driver) Exists(ctx context.Context) bool {
	if !d.known() {
		return false
	}
	s, err := d.lookup(ctx)
	return err == nil && s.defined
}

func (d *driver) Describe() string {
	desc := "kvm " + d.name()
	if e := d.endpoint(); e.socket != defaultSocket {
		desc += " on " + e.socket
	}
	return desc
}

func (d *driver) Status(ctx context.Context) providers.Status {
	if !d.known() {
		return providers.Status{State: providers.Down, Messages: []string{"domain name is known after apply"}}
	}
	s, err := d.lookup(ctx)
	if err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	}
	if !s.defined {
		msg := fmt.Sprintf("domain %s is not defined: not provisioned", d.name())
		if d.form() == adopted {
			msg = fmt.Sprintf("domain %s is not defined, and neither xml nor the short form says how to define it", d.name())
		}
		return providers.Status{State: providers.Down, Messages: []string{msg}}
	}
	return statusOf(s)
}

// statusOf maps libvirt's state and reason to a resource status, the
// reason said in words: a guest that shut itself down, crashed or was
// paused on an I/O error reads as such.
func statusOf(s domainState) providers.Status {
	switch s.state {
	case libvirt.DomainRunning, libvirt.DomainBlocked:
		return providers.Status{State: providers.Up}
	case libvirt.DomainShutoff:
		why := map[libvirt.DomainShutoffReason]string{
			libvirt.DomainShutoffShutdown:  "shut off by the guest",
			libvirt.DomainShutoffDestroyed: "destroyed",
			libvirt.DomainShutoffCrashed:   "crashed",
			libvirt.DomainShutoffMigrated:  "migrated away",
			libvirt.DomainShutoffSaved:     "saved",
			libvirt.DomainShutoffFailed:    "failed to start",
			libvirt.DomainShutoffDaemon:    "stopped by libvirtd",
		}[libvirt.DomainShutoffReason(s.reason)]
		if why == "" {
			return providers.Status{State: providers.Down}
		}
		return providers.Status{State: providers.Down, Messages: []string{"shut off: " + why}}
	case libvirt.DomainCrashed:
		return providers.Status{State: providers.Down, Messages: []string{"crashed (the guest panicked)"}}
	case libvirt.DomainPaused:
		why := map[libvirt.DomainPausedReason]string{
			libvirt.DomainPausedUser:       "by a user",
			libvirt.DomainPausedMigration:  "for a migration",
			libvirt.DomainPausedSave:       "for a save",
			libvirt.DomainPausedIoerror:    "on an I/O error",
			libvirt.DomainPausedWatchdog:   "by its watchdog",
			libvirt.DomainPausedCrashed:    "after a crash",
			libvirt.DomainPausedStartingUp: "starting up",
			libvirt.DomainPausedPostcopy:   "in a post-copy migration",
		}[libvirt.DomainPausedReason(s.reason)]
		if why == "" {
			why = "for a reason libvirt does not say"
		}
		return providers.Status{State: providers.Warn, Messages: []string{"paused " + why}}
	case libvirt.DomainShutdown:
		return providers.Status{State: providers.Warn, Messages: []string{"shutting down"}}
	case libvirt.DomainPmsuspended:
		return providers.Status{State: providers.Warn, Messages: []string{"suspended by the guest's power management"}}
	}
	return providers.Status{State: providers.Warn, Messages: []string{fmt.Sprintf("libvirt state %d", s.state)}}
}

func (d *driver) Exposed(ctx context.Context) map[string]cty.Value {
	out := map[string]cty.Value{
		"domain_uuid": cty.UnknownVal(cty.String),
		"pid":         cty.UnknownVal(cty.Number),
	}
	if !d.known() {
		return out
	}
	s, err := d.lookup(ctx)
	if err != nil || !s.defined {
		if d.form() != adopted { // the driver chooses it
			out["domain_uuid"] = cty.StringVal(domainUUID(d.r.Service, d.r.RID()))
		}
		return out
	}
	id := formatUUID(s.dom.UUID)
	out["domain_uuid"] = cty.StringVal(id)
	if s.running() {
		if pid := qemuPID(id); pid > 0 {
			out["pid"] = cty.NumberIntVal(int64(pid))
		}
	}
	return out
}

func formatUUID(u libvirt.UUID) string {
	x := fmt.Sprintf("%x", u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// qemuPID finds the qemu process running the domain of uuid by its
// command line (-uuid UUID): libvirt's API does not give it, and its pid
// file lives in libvirtd's own run directory. The UUID is the same on
// every node, so a qemu of another network namespace (another lab node
// on this host) is not this node's.
func qemuPID(uuid string) int {
	ours, _ := os.Readlink("/proc/thread-self/ns/net")
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range dirs {
		if ns, _ := os.Readlink(filepath.Join(filepath.Dir(p), "ns", "net")); ns != ours {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), uuid) {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if !strings.Contains(filepath.Base(args[0]), "qemu") {
			continue
		}
		for i := range args[:len(args)-1] {
			if args[i] == "-uuid" && args[i+1] == uuid {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				return pid
			}
		}
	}
	return 0
}

// virsh is how a plan writes a libvirt call: the command an operator
// would type for it.
func (d *driver) virsh(args ...string) string {
	if e := d.endpoint(); e.uri != "qemu:///system" {
		args = append([]string{"-c", "'" + e.uri + "'"}, args...)
	}
	return "virsh " + strings.Join(args, " ")
}

func (d *driver) defineOp() string {
	switch d.form() {
	case fromXML:
		return d.virsh("define", d.r.Str("xml")) + " (named " + d.name() + ")"
	case shortHand:
		what := "kernel " + d.r.Str("kernel")
		if d.r.Str("kernel") == "" {
			what = "image " + d.r.Str("image")
		}
		return fmt.Sprintf("%s (the short form: %s, %s, %d vcpu, %s)", d.virsh("define", "<"+d.name()+".xml>"), what, d.r.Str("memory"), d.r.Int("vcpus"), d.accelWhy())
	}
	return ""
}

func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	var ops []string
	switch a {
	case providers.ActStart:
		if op := d.defineOp(); op != "" {
			ops = append(ops, op+", if not defined as configured")
		}
		ops = append(ops, d.virsh("start", d.name()))
		if d.r.Bool("guest_agent") {
			ops = append(ops, fmt.Sprintf("wait for %s's guest agent to answer (%s)", d.name(), d.startTimeout()))
		}
	case providers.ActStop:
		ops = append(ops, fmt.Sprintf("%s, then %s after %s", d.virsh("shutdown", d.name(), "--mode", "agent,acpi"), d.virsh("destroy", d.name()), d.stopTimeout()))
	case providers.ActProvision:
		if op := d.defineOp(); op != "" {
			ops = append(ops, op)
		}
	case providers.ActUnprovision:
		ops = append(ops, d.virsh("undefine", d.name(), "--managed-save", "--snapshots-metadata", "--nvram")+" (the disk image stays)")
	}
	return ops
}
