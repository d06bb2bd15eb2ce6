package containerlxc

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// toolSlack is added to the lxc tools' own timeouts for the context that
// bounds them: lxc-stop kills at its timeout, the context only guards a
// hung tool.
const toolSlack = 15 * time.Second

func (d *driver) fail(what string, err error) error {
	return fmt.Errorf("%s: %s %s: %w", d.r.RID(), what, d.name(), err)
}

func (d *driver) Start(ctx context.Context, log *providers.Log) error {
	if err := lookTools("lxc-start", "lxc-wait", "lxc-info"); err != nil {
		return d.fail("start", err)
	}
	if !d.exists() {
		return fmt.Errorf("%s: container %s does not exist in %s (provision creates it)", d.r.RID(), d.name(), d.lxcpath())
	}
	if in, err := d.info(ctx); err == nil && in.State == "RUNNING" {
		log.Info("%s is already up", d.Describe())
		return nil
	}
	if err := d.configure(log); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, d.startTimeout()+toolSlack)
	defer cancel()
	if err := providers.RunEach(ctx, log, providers.Run, d.startCmds()); err != nil {
		return d.fail("start", err)
	}
	return nil
}

func (d *driver) Stop(ctx context.Context, log *providers.Log) error {
	if !d.exists() {
		log.Info("%s does not exist: already down", d.Describe())
		return nil
	}
	if in, err := d.info(ctx); err == nil && in.State == "STOPPED" {
		log.Info("%s is already down", d.Describe())
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, d.stopTimeout()+toolSlack)
	defer cancel()
	if err := providers.RunEach(ctx, log, providers.Run, [][]string{d.stopCmd()}); err != nil {
		return d.fail("stop", err)
	}
	return nil
}

func (d *driver) Provision(ctx context.Context, log *providers.Log) error {
	if err := lookTools("lxc-create"); err != nil {
		return d.fail("create", err)
	}
	if d.exists() {
		log.Info("container %s already exists in %s, skip create", d.name(), d.lxcpath())
		return nil
	}
	if err := providers.RunEach(ctx, log, providers.Run, [][]string{d.createCmd()}); err != nil {
		return d.fail("create", err)
	}
	return nil
}

func (d *driver) Unprovision(ctx context.Context, log *providers.Log) error {
	if err := d.Stop(ctx, log); err != nil {
		return err
	}
	if !d.exists() {
		log.Info("container %s is already destroyed", d.name())
		return nil
	}
	if err := providers.RunEach(ctx, log, providers.Run, [][]string{d.destroyCmd()}); err != nil {
		return d.fail("destroy", err)
	}
	return nil
}

// configure writes the managed keys into the container's config, logged
// as the plan line says. Start does it, not provision, so that a changed
// hostname or config map applies at the restart the change plans.
func (d *driver) configure(log *providers.Log) error {
	log.Op("%s", d.configLine())
	if err := writeConfig(d.configPath(), d.keys()); err != nil {
		return d.fail("configure", err)
	}
	return nil
}

// Operations derives the lines from the attributes alone.
func (d *driver) Operations(ctx context.Context, a providers.Action) []string {
	switch a {
	case providers.ActStart:
		return append([]string{d.configLine()}, providers.CommandLines(d.startCmds()...)...)
	case providers.ActStop:
		return providers.CommandLines(d.stopCmd())
	case providers.ActProvision:
		return []string{providers.CommandLines(d.createCmd())[0] + " (skipped when " + d.name() + " exists)"}
	case providers.ActUnprovision:
		return providers.CommandLines(d.destroyCmd())
	}
	return nil
}

// createCmd reads no default config (-f /dev/null): Debian's links the
// container to an lxcbr0 bridge that does not exist on a cluster node.
func (d *driver) createCmd() []string {
	return []string{"lxc-create", "-n", d.name(), "-P", d.lxcpath(), "-f", "/dev/null", "-t", d.template()}
}

func (d *driver) template() string {
	if t := d.r.Str("template"); t != "" {
		return t
	}
	return "busybox"
}

// startCmds start the container detached, then wait for RUNNING within
// start_timeout.
func (d *driver) startCmds() [][]string {
	return [][]string{
		{"lxc-start", "-n", d.name(), "-P", d.lxcpath(), "-d"},
		{"lxc-wait", "-n", d.name(), "-P", d.lxcpath(), "-s", "RUNNING", "-t", seconds(d.startTimeout())},
	}
}

// stopCmd asks for a clean shutdown and kills the container when it is
// not down after stop_timeout.
func (d *driver) stopCmd() []string {
	return []string{"lxc-stop", "-n", d.name(), "-P", d.lxcpath(), "-t", seconds(d.stopTimeout())}
}

func (d *driver) destroyCmd() []string {
	return []string{"lxc-destroy", "-n", d.name(), "-P", d.lxcpath()}
}

func (d *driver) configLine() string {
	kvs := d.keys()
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = kv.String()
	}
	return "set in " + d.configPath() + ": " + strings.Join(parts, ", ")
}
