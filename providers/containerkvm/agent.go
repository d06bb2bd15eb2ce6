package containerkvm

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path"
	"strings"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
)

// The node reaches a guest through the QEMU guest agent, libvirt relaying
// (qemu-agent-command): guest-exec to run a command, guest-file-* to
// write a file. What the guest answers is the tenant's word: it is
// bounded (providers.ExecOutputMax) and only ever used as output.

// agentTimeout is how long libvirt waits for one agent answer, in
// seconds (libvirt's unit).
const agentTimeout = 10

// chunk is how much of a file one guest-file-write carries. The rate
// hardly depends on it (under TCG: 64 KiB 2.5 MB/s, 128 KiB 2.9 MB/s),
// but from 192 KiB up a single write outlasted agentTimeout and left the
// agent unavailable (measured 2026-12-06, QEMU 7.2, Debian's qemu-ga).
const chunk = 64 << 10

// execPath is the PATH commands run with: the agent's own environment is
// not the node's business, and a node's OMHCL_* must not reach the guest.
const execPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// agent sends one command to the guest's agent and decodes its "return"
// into out (nil: ignored).
func (d *driver) agent(ctx context.Context, dom libvirt.Domain, command string, args any, out any) error {
	req := map[string]any{"execute": command}
	if args != nil {
		req["arguments"] = args
	}
	b, _ := json.Marshal(req)
	res, err := call(ctx, d.endpoint(), func(l *libvirt.Libvirt) (libvirt.OptString, error) {
		return l.QEMUDomainAgentCommand(dom, string(b), agentTimeout, 0)
	})
	if err != nil {
		return fmt.Errorf("guest agent %s: %w", command, err)
	}
	if out == nil {
		return nil
	}
	if len(res) == 0 {
		return fmt.Errorf("guest agent %s: no answer", command)
	}
	var env struct {
		Return json.RawMessage `json:"return"`
	}
	if err := json.Unmarshal([]byte(res[0]), &env); err != nil {
		return fmt.Errorf("guest agent %s: answer is not JSON: %v", command, err)
	}
	if err := json.Unmarshal(env.Return, out); err != nil {
		return fmt.Errorf("guest agent %s: unexpected answer: %v", command, err)
	}
	return nil
}

// ping asks the guest agent whether it is there.
func (d *driver) ping(ctx context.Context, dom libvirt.Domain) error {
	return d.agent(ctx, dom, "guest-ping", nil, nil)
}

// runningDomain returns the domain if it runs.
func (d *driver) runningDomain(ctx context.Context) (libvirt.Domain, error) {
	s, err := d.lookup(ctx)
	if err != nil {
		return libvirt.Domain{}, fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if !s.running() {
		return libvirt.Domain{}, fmt.Errorf("%s: domain %s is not running (%s)", d.r.RID(), d.name(), joinMessages(statusOf(s)))
	}
	return s.dom, nil
}

type execStatus struct {
	Exited       bool   `json:"exited"`
	ExitCode     *int   `json:"exitcode"`
	Signal       *int   `json:"signal"`
	OutData      string `json:"out-data"`
	ErrData      string `json:"err-data"`
	OutTruncated bool   `json:"out-truncated"`
	ErrTruncated bool   `json:"err-truncated"`
}

// boundedScript runs "$@" in the guest with each of its streams cut
// after %[1]d bytes (the node's cap and one more: more than the cap is
// an overflow), its exit code kept aside: qemu-ga answers a command's
// output whole once it exits, and an answer over libvirt's 10 MB breaks
// the guest's agent channel until the domain restarts. A command cut off
// dies of SIGPIPE, as the other drivers stop one that prints too much.
const boundedScript = `d=$(mktemp -d) || exit 125
{ { "$@"; echo $? >"$d/c"; } 2>&1 >&3 3>&- | head -c %[1]d >&2; } 3>&1 | head -c %[1]d
c=$(cat "$d/c" 2>/dev/null); rm -rf "$d"; exit "${c:-141}"`

// Exec runs argv in the guest with guest-exec, through /bin/sh and head
// to bound its output (boundedScript), and waits for it with
// guest-exec-status. A command killed by a signal is code 128+signal, as
// a shell says it. When ctx ends first the command is left to the guest
// (the agent cannot kill it) and the call fails.
func (d *driver) Exec(ctx context.Context, argv []string) (stdout, stderr []byte, code int, err error) {
	if len(argv) == 0 {
		return nil, nil, -1, fmt.Errorf("%s: exec: no command", d.r.RID())
	}
	dom, err := d.runningDomain(ctx)
	if err != nil {
		return nil, nil, -1, err
	}
	what := strings.Join(argv, " ")
	var started struct {
		PID int `json:"pid"`
	}
	script := fmt.Sprintf(boundedScript, providers.ExecOutputMax+1)
	args := map[string]any{"path": "/bin/sh", "arg": append([]string{"-c", script, "sh"}, argv...), "env": []string{execPath}, "capture-output": true}
	if err := d.agent(ctx, dom, "guest-exec", args, &started); err != nil {
		return nil, nil, -1, d.fail("exec "+what+" in", err)
	}
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		var st execStatus
		if err := d.agent(ctx, dom, "guest-exec-status", map[string]any{"pid": started.PID}, &st); err != nil {
			return nil, nil, -1, d.fail("exec "+what+" in", err)
		}
		if st.Exited {
			return st.result(d, what)
		}
		select {
		case <-ctx.Done():
			return nil, nil, -1, d.fail("exec "+what+" in", ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (st execStatus) result(d *driver, what string) (stdout, stderr []byte, code int, err error) {
	out, errOut := providers.ExecStreams(func() {})
	for _, s := range []struct {
		data string
		to   io.Writer
	}{{st.OutData, out}, {st.ErrData, errOut}} {
		b, err := base64.StdEncoding.DecodeString(s.data)
		if err != nil {
			return nil, nil, -1, d.fail("exec "+what+" in", fmt.Errorf("output is not base64: %v", err))
		}
		s.to.Write(b)
	}
	if err := providers.ExecOverflow(out, errOut); err != nil {
		return nil, nil, -1, d.fail("exec "+what+" in", err)
	}
	switch {
	case st.ExitCode != nil:
		code = *st.ExitCode
	case st.Signal != nil:
		code = 128 + *st.Signal
	default:
		code = -1
	}
	return out.Bytes(), errOut.Bytes(), code, nil
}

// CopyIn writes src into the guest next to dst, then sets its mode and
// renames it into place: the guest never sees a half file.
func (d *driver) CopyIn(ctx context.Context, src, dst string, mode os.FileMode) error {
	if !path.IsAbs(dst) || path.Clean(dst) == "/" {
		return fmt.Errorf("%s: copy %s into %s: destination %q must be an absolute file path", d.r.RID(), src, d.name(), dst)
	}
	dst = path.Clean(dst)
	fail := func(err error) error {
		return fmt.Errorf("%s: copy %s to %s in %s: %w", d.r.RID(), src, dst, d.name(), err)
	}
	f, err := os.Open(src)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	dom, err := d.runningDomain(ctx)
	if err != nil {
		return fail(err)
	}
	// a name of this copy's own: two copies to one file at once (a
	// status and a start pushing a configuration) must not move each
	// other's half
	tmp := fmt.Sprintf("%s.omhcl-new-%x", dst, rand.Uint64())
	if err := d.run(ctx, "mkdir", "-p", path.Dir(dst)); err != nil {
		return fail(err)
	}
	var handle int
	if err := d.agent(ctx, dom, "guest-file-open", map[string]any{"path": tmp, "mode": "w"}, &handle); err != nil {
		return fail(err)
	}
	err = d.writeAll(ctx, dom, handle, f)
	if cerr := d.agent(ctx, dom, "guest-file-close", map[string]any{"handle": handle}, nil); err == nil {
		err = cerr
	}
	if err == nil {
		err = d.run(ctx, "chmod", fmt.Sprintf("%o", mode.Perm()), tmp)
	}
	if err == nil {
		err = d.run(ctx, "mv", "-f", tmp, dst)
	}
	if err != nil {
		_ = d.run(ctx, "rm", "-f", tmp)
		return fail(err)
	}
	return nil
}

func (d *driver) writeAll(ctx context.Context, dom libvirt.Domain, handle int, r io.Reader) error {
	buf := make([]byte, chunk)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			var wrote struct {
				Count int `json:"count"`
			}
			args := map[string]any{"handle": handle, "buf-b64": base64.StdEncoding.EncodeToString(buf[:n])}
			if err := d.agent(ctx, dom, "guest-file-write", args, &wrote); err != nil {
				return err
			}
			if wrote.Count != n {
				return fmt.Errorf("guest-file-write wrote %d of %d bytes", wrote.Count, n)
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// run runs a helper command in the guest and fails unless it succeeds.
func (d *driver) run(ctx context.Context, argv ...string) error {
	_, errOut, code, err := d.Exec(ctx, argv)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("%s: exit %d: %s", strings.Join(argv, " "), code, bytes.TrimSpace(errOut))
	}
	return nil
}
