package containerkvm

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
)

// pollEvery is how often start and stop look at a domain they wait for.
const pollEvery = 100 * time.Millisecond

func (d *driver) fail(what string, err error) error {
	return fmt.Errorf("%s: %s domain %s: %w", d.r.RID(), what, d.name(), err)
}

// readMark returns the driver's metadata element of dom; ok is false when
// the domain has none (defined by someone else).
func (d *driver) readMark(ctx context.Context, dom libvirt.Domain) (m mark, ok bool, err error) {
	m, err = call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (mark, error) { return markOf(l, dom) })
	if isNoMetadata(err) {
		return mark{}, false, nil
	}
	return m, err == nil, err
}

// define makes libvirt's definition of the domain the configuration's,
// unless it is already. It never redefines a running domain (a plan
// replaces a drifted one: stop, then start) nor one the driver did not
// define (another domain by that name).
func (d *driver) define(ctx context.Context, log *providers.Log, s domainState) error {
	def, err := d.definition()
	if err != nil {
		return d.fail("define", err)
	}
	if def == nil {
		if !s.defined {
			return d.fail("start", errors.New("not defined, and neither xml nor the short form (image, kernel) says how to define it"))
		}
		return nil
	}
	if s.defined {
		m, ours, err := d.readMark(ctx, s.dom)
		if err != nil {
			return d.fail("read the metadata of", err)
		}
		if !ours || m.Service != d.r.Service || m.RID != d.r.RID() {
			return d.fail("define", fmt.Errorf("a domain by that name exists and is not this resource's (its omhcl metadata names %q %q): rename one of them, or drop xml and the short form to take it as libvirt has it", m.Service, m.RID))
		}
		want, _ := d.fingerprint()
		if len(providers.ChangedKeys(m.fingerprint(), want)) == 0 {
			return nil
		}
		if s.running() {
			return d.fail("redefine", errors.New("it runs: stop it first"))
		}
		def.UUID = formatUUID(s.dom.UUID)
	}
	text, err := def.Marshal()
	if err != nil {
		return d.fail("write the definition of", err)
	}
	log.Op("%s", d.defineOp())
	return do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error {
		dom, err := l.DomainDefineXMLFlags(text, 0)
		if err != nil {
			return d.fail("define", err)
		}
		// what libvirt kept, for Drift to tell a hand edit from it
		kept, err := l.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive)
		if err != nil {
			return d.fail("read back the definition of", err)
		}
		m, err := d.mark()
		if err != nil {
			return d.fail("define", err)
		}
		m.Defined = definitionDigest(kept)
		err = l.DomainSetMetadata(dom, int32(libvirt.DomainMetadataElement), libvirt.OptString{m.bare()},
			libvirt.OptString{metadataPrefix}, libvirt.OptString{metadataNS}, libvirt.DomainAffectConfig)
		if err != nil {
			return d.fail("mark", err)
		}
		return nil
	})
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	if !d.known() {
		return fmt.Errorf("%s: the domain's name is not known", d.r.RID())
	}
	s, err := d.lookup(ctx)
	if err != nil {
		return d.fail("provision", err)
	}
	return d.define(ctx, log, s)
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	s, err := d.lookup(ctx)
	if err != nil {
		return d.fail("unprovision", err)
	}
	if !s.defined {
		log.Info("domain %s is not defined", d.name())
		return nil
	}
	if d.form() != adopted {
		if _, ours, err := d.readMark(ctx, s.dom); err != nil || !ours {
			return d.fail("undefine", fmt.Errorf("it carries no omhcl metadata of %s: not this resource's domain (%v)", d.r.RID(), err))
		}
	}
	log.Op("%s", d.Operations(ctx, providers.ActUnprovision)[0])
	return do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error {
		err := l.DomainUndefineFlags(s.dom, libvirt.DomainUndefineManagedSave|libvirt.DomainUndefineSnapshotsMetadata|libvirt.DomainUndefineNvram)
		if err != nil && !isNoDomain(err) {
			return d.fail("undefine", err)
		}
		return nil
	})
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	if !d.known() {
		return fmt.Errorf("%s: the domain's name is not known", d.r.RID())
	}
	s, err := d.lookup(ctx)
	if err != nil {
		return d.fail("start", err)
	}
	if s.running() {
		log.Info("domain %s already running", d.name())
		return nil
	}
	if err := d.define(ctx, log, s); err != nil {
		return err
	}
	if s, err = d.lookup(ctx); err != nil || !s.defined {
		return d.fail("start", fmt.Errorf("not defined after define: %v", err))
	}
	log.Op("%s", d.virsh("start", d.name()))
	err = do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error {
		if s.state == libvirt.DomainPaused {
			return l.DomainResume(s.dom)
		}
		_, err := l.DomainCreateWithFlags(s.dom, 0)
		return err
	})
	if err != nil {
		return d.fail("start", err)
	}
	return d.waitReady(ctx, log, s.dom)
}

// waitReady waits within start_timeout for the domain to run and, with
// guest_agent, for its agent to answer.
func (d *driver) waitReady(ctx context.Context, log *providers.Log, dom libvirt.Domain) error {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, d.startTimeout())
	defer cancel()
	for {
		s, err := d.lookup(ctx)
		switch {
		case err != nil:
		case !s.defined || s.state == libvirt.DomainShutoff || s.state == libvirt.DomainCrashed:
			return d.fail("start", fmt.Errorf("it stopped while starting (%s)", joinMessages(statusOf(s))))
		case s.running() && !d.r.Bool("guest_agent"):
			d.announce(ctx, log, dom)
			return nil
		case s.running():
			if err := d.ping(ctx, dom); err == nil {
				log.Info("%s's guest agent answered %.1fs after start", d.name(), time.Since(t0).Seconds())
				d.announce(ctx, log, dom)
				return nil
			}
		}
		select {
		case <-ctx.Done():
			what := "run"
			if d.r.Bool("guest_agent") {
				what = "run and its guest agent to answer"
			}
			return d.fail("start", fmt.Errorf("waited %s (start_timeout) for it to %s", d.startTimeout(), what))
		case <-time.After(pollEvery):
		}
	}
}

// announceSelf has qemu send RARP frames from each of the guest's cards,
// as after a migration: the switches learn the port the guest is behind
// now. A guest that booted says nothing until it is spoken to, and a
// switch still sending its MAC to the node it ran on before loses what a
// client sends it (its ARP entry, the MAC being the same on every node,
// is still good).
const announceSelf = `{"execute":"announce-self","arguments":{"initial":50,"max":550,"rounds":5,"step":100}}`

// announce asks qemu to announce the guest on its network (announceSelf);
// a failure is only said.
func (d *driver) announce(ctx context.Context, log *providers.Log, dom libvirt.Domain) {
	_, err := call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (string, error) {
		return l.QEMUDomainMonitorCommand(dom, announceSelf, 0)
	})
	if err != nil {
		log.Info("could not announce %s's cards on the network: %v", d.name(), err)
	}
}

func joinMessages(st providers.Status) string {
	if len(st.Messages) == 0 {
		return string(st.State)
	}
	return st.Messages[0]
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	s, err := d.lookup(ctx)
	if err != nil {
		return d.fail("stop", err)
	}
	if !s.defined || s.state == libvirt.DomainShutoff || s.state == libvirt.DomainCrashed || s.state == libvirt.DomainNostate {
		log.Info("domain %s already down", d.name())
		return nil
	}
	if providers.Fencing(ctx) {
		// paused first: its vCPUs stop at once, so the guest answers no
		// more; destroy's SIGTERM may take qemu a second or two to obey
		t0 := time.Now()
		// bounded: a qemu that does not answer its monitor holds a pause
		// (libvirt waits for it); the destroy below kills it
		pctx, cancel := context.WithTimeout(ctx, fencePauseWithin)
		err := do(pctx, d.endpoint(), func(l *libvirt.Libvirt) error { return l.DomainSuspend(s.dom) })
		cancel()
		if err != nil {
			log.Info("fence: the guest could not be paused (%v): destroyed at once, not shut down", err)
		} else {
			log.Info("fence: the guest is paused (%s), then destroyed, not shut down", time.Since(t0).Round(time.Millisecond))
		}
	} else if s.state != libvirt.DomainPaused {
		log.Op("%s", d.virsh("shutdown", d.name(), "--mode", "agent,acpi"))
		err := do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error {
			return l.DomainShutdownFlags(s.dom, libvirt.DomainShutdownGuestAgent|libvirt.DomainShutdownAcpiPowerBtn)
		})
		if err == nil && d.waitOff(ctx, d.stopTimeout()) {
			return nil
		}
		if err != nil {
			log.Info("shutdown refused: %v", err)
		} else {
			log.Info("domain %s still running after %s (stop_timeout)", d.name(), d.stopTimeout())
		}
	}
	log.Op("%s", d.virsh("destroy", d.name()))
	err = d.destroy(ctx, s, log)
	if err != nil {
		return d.fail("destroy", err)
	}
	if !d.waitOff(ctx, 10*time.Second) {
		return d.fail("stop", errors.New("still running 10s after destroy"))
	}
	return nil
}

// fencePauseWithin bounds a fence's pause of the guest.
const fencePauseWithin = 500 * time.Millisecond

// killAfter is how long a fence's destroy is given before the guest's
// qemu is killed: libvirt has taken the destroy by then, and notes the
// death as its own (the guest reads destroyed, not crashed).
const killAfter = 50 * time.Millisecond

// destroy is libvirt's destroy of the domain. Under a fence, the guest's
// qemu is killed (SIGKILL) if the destroy has not ended within killAfter:
// libvirt asks qemu to quit (SIGTERM) and waits, which lets qemu flush
// its disk caches to an image the majority is about to boot from, and
// may take seconds. A fence is the node's death as far as the guest goes.
func (d *driver) destroy(ctx context.Context, s domainState, log *providers.Log) error {
	if !providers.Fencing(ctx) {
		return d.destroyCall(ctx, s)
	}
	done := make(chan error, 1)
	go func() { done <- d.destroyCall(ctx, s) }()
	select {
	case err := <-done:
		return err
	case <-time.After(killAfter):
	}
	if pid := qemuPID(formatUUID(s.dom.UUID)); pid > 0 { // else not this node's: libvirt's destroy does it
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			log.Info("fence: kill -9 of qemu %d: %v", pid, err)
		} else {
			log.Op("kill -9 %d (the guest's qemu, destroyed meanwhile)", pid)
		}
	}
	return <-done
}

func (d *driver) destroyCall(ctx context.Context, s domainState) error {
	return do(ctx, d.endpoint(), func(l *libvirt.Libvirt) error {
		err := l.DomainDestroyFlags(s.dom, 0)
		if err != nil && !isNoDomain(err) {
			var le libvirt.Error
			// destroyed meanwhile: "domain is not running"
			if errors.As(err, &le) && le.Code == uint32(libvirt.ErrOperationInvalid) {
				return nil
			}
			return err
		}
		return nil
	})
}

// waitOff waits up to limit for the domain to be off; false when it
// still runs.
func (d *driver) waitOff(ctx context.Context, limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		if s, err := d.lookup(ctx); err == nil && !s.running() && s.state != libvirt.DomainPaused && s.state != libvirt.DomainShutdown {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(pollEvery):
		}
	}
}
