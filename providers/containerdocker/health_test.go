package containerdocker

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/containerlab"
	"github.com/zclconf/go-cty/cty"
)

var engines = []struct{ engine, socket string }{{"docker", dockerSocket}, {"podman", podmanSocket}}

// healthLab is a lab whose image carries healthcheck (a HEALTHCHECK
// instruction). It skips podman where it cannot run health checks.
func healthLab(t *testing.T, engine, socket, healthcheck string) *lab {
	t.Helper()
	if engine == "podman" {
		needSystemd(t)
	}
	l := newLab(t, engine, socket)
	l.image = containerlab.Derived(t, socket, healthcheck)
	return l
}

// needSystemd skips t unless systemd runs: podman runs health checks from
// systemd timers it asks for on /run/systemd/private; without them a
// container's health stays "starting" for ever.
func needSystemd(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/run/systemd/private"); err != nil {
		init, _ := os.ReadFile("/proc/1/comm")
		t.Skipf("podman runs health checks from systemd timers, and systemd does not run here (pid 1 is %q, %v): the health of its containers stays \"starting\"",
			strings.TrimSpace(string(init)), err)
	}
}

// tryStart starts d and returns its log, how long Start took and its error.
func tryStart(d *driver) (string, time.Duration, error) {
	var out bytes.Buffer
	begin := time.Now()
	err := d.Start(context.Background(), providers.NewLog(&out))
	return out.String(), time.Since(begin), err
}

// Start returns once the health check passes, not when the container runs:
// the check passes once the command made /tmp/ready, 2 s after it started.
func TestStartWaitsHealthy(t *testing.T) {
	const delay = 2 * time.Second
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := healthLab(t, e.engine, e.socket, "HEALTHCHECK --interval=500ms --start-period=30s --retries=3 CMD test -e /tmp/ready")
			d := l.driver(l.resource("app", map[string]cty.Value{
				"command":       cmd("sh", "-c", "sleep 2; echo > /tmp/ready; exec sleep 300"),
				"start_timeout": cty.StringVal("20s"), "stop_timeout": cty.StringVal("0s"),
			}))
			out, took, err := tryStart(d)
			if err != nil {
				t.Fatalf("start: %v\n%s", err, out)
			}
			t.Logf("start returned after %s", took)
			if took < delay {
				t.Errorf("start returned after %s, before the health check could pass (%s)", took, delay)
			}
			wantState(t, d, providers.Up)
		})
	}
}

// A container whose health check fails fails the start, with the check's
// output, well within start_timeout; it is left to be seen, warn; a second
// start does not take it for up.
func TestStartUnhealthy(t *testing.T) {
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := healthLab(t, e.engine, e.socket, `HEALTHCHECK --interval=500ms --retries=1 CMD echo not ready; false`)
			d := l.driver(l.resource("app", map[string]cty.Value{
				"command": cmd("sleep", "300"), "start_timeout": cty.StringVal("15s"), "stop_timeout": cty.StringVal("0s"),
			}))
			out, took, err := tryStart(d)
			t.Logf("start failed after %s: %v\n%s", took, err, out)
			wantErr(t, err, "container#app", "unhealthy", "not ready")
			if took >= 15*time.Second {
				t.Errorf("start took %s, want well within start_timeout 15s", took)
			}
			st := wantState(t, d, providers.Warn)
			if msgs := strings.Join(st.Messages, "\n"); !strings.Contains(msgs, "health: unhealthy") || !strings.Contains(msgs, "not ready") {
				t.Errorf("status messages %v: want health: unhealthy and the check's output", st.Messages)
			}
			out, _, err = tryStart(d)
			wantErr(t, err, "container#app", "unhealthy")
			if err == nil {
				t.Logf("second start:\n%s", out)
			}
		})
	}
}

// A health check still starting when start_timeout ends fails the start,
// saying so.
func TestStartHealthTimeout(t *testing.T) {
	for _, e := range engines {
		t.Run(e.engine, func(t *testing.T) {
			l := healthLab(t, e.engine, e.socket, "HEALTHCHECK --interval=500ms --start-period=60s CMD false")
			d := l.driver(l.resource("app", map[string]cty.Value{
				"command": cmd("sleep", "300"), "start_timeout": cty.StringVal("2s"), "stop_timeout": cty.StringVal("0s"),
			}))
			out, took, err := tryStart(d)
			t.Logf("start failed after %s: %v\n%s", took, err, out)
			wantErr(t, err, "container#app", "start_timeout 2s", "health: starting")
			// bounded by start_timeout, not by the check's 60 s start period
			// (loose above: the engine's own work varies with the load)
			if took < 2*time.Second || took > 30*time.Second {
				t.Errorf("start took %s, want about start_timeout 2s", took)
			}
			st := wantState(t, d, providers.Warn)
			if !strings.Contains(strings.Join(st.Messages, "\n"), "health: starting") {
				t.Errorf("status messages %v: want health: starting", st.Messages)
			}
		})
	}
}

// wantErr fails t unless err holds every one of words.
func wantErr(t *testing.T, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", words)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
}
