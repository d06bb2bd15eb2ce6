package containerdocker

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// logLines is how many of its last log lines an exited container shows.
const logLines = 5

// Status inspects the container. An engine that does not answer is undef,
// with why: the container may well run, so it is never "down".
func (d *driver) Status(ctx context.Context) providers.Status {
	c, cli, err := d.connect()
	if err != nil {
		return providers.Status{State: providers.Undef, Messages: []string{err.Error()}}
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	f, err := lookup(ctx, cli, c.service, c.rid)
	switch {
	case err != nil:
		return providers.Status{State: providers.Undef, Messages: []string{fmt.Sprintf("%s engine at %s: %v", d.engine, c.socket, err)}}
	case f == nil:
		return providers.Status{State: providers.Down, Messages: []string{"no container"}}
	case !f.running():
		return d.downStatus(ctx, cli, f)
	}
	switch f.health() {
	case "starting", "unhealthy":
		return providers.Status{State: providers.Warn, Messages: []string{"health: " + f.health(), f.lastCheck()}}
	}
	return providers.Status{State: providers.Up}
}

// Remnant is the container a stop left when rm = true: stopped, not
// removed, its command killed in between.
func (d *driver) Remnant(ctx context.Context) string {
	c, cli, err := d.connect()
	if err != nil || !c.rm {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	f, err := lookup(ctx, cli, c.service, c.rid)
	if err != nil || f == nil || f.running() {
		return ""
	}
	return fmt.Sprintf("container %s is left, %s (rm = true)", shortID(f.id), f.stateLine())
}

// downStatus says how a container that does not run ended: its state,
// exit code and last log lines.
func (d *driver) downStatus(ctx context.Context, cli *client.Client, f *found) providers.Status {
	st := f.inspect.State
	if st == nil {
		return providers.Status{State: providers.Down, Messages: []string{"container " + shortID(f.id) + " is not running"}}
	}
	msg := fmt.Sprintf("container %s %s", shortID(f.id), st.Status)
	if st.Status == "exited" {
		msg += fmt.Sprintf(" with code %d", st.ExitCode)
	}
	if st.Error != "" {
		msg += ": " + st.Error
	}
	msgs := []string{msg}
	for _, l := range lastLogs(ctx, cli, f.id, logLines) {
		msgs = append(msgs, "| "+l)
	}
	return providers.Status{State: providers.Down, Messages: msgs}
}

// lastLogs is the container's last n log lines, stdout and stderr; none
// when the engine cannot give them.
func lastLogs(ctx context.Context, cli *client.Client, id string, n int) []string {
	rc, err := cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n)})
	if err != nil {
		return nil
	}
	defer rc.Close()
	var b strings.Builder
	raw, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return nil
	}
	// Without a tty the stream is multiplexed; a podman may send it raw.
	if _, err := stdcopy.StdCopy(&b, &b, strings.NewReader(string(raw))); err != nil {
		b.Reset()
		b.Write(raw)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}
