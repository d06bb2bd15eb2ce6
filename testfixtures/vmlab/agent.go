package vmlab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// Agent speaks the QEMU guest agent protocol (JSON lines) on the host end
// of a guest's agent channel: qemu's -chardev socket of the
// org.qemu.guest_agent.0 port. Under libvirt, libvirt holds that end: ask
// the agent through libvirt instead (virDomainQemuAgentCommand).
type Agent struct {
	conn net.Conn
	r    *bufio.Reader
	id   int64
}

// DialAgent connects to the agent's socket and syncs with the agent: it
// returns once qemu-ga answered, so it also waits for the guest to boot,
// until ctx ends.
func DialAgent(ctx context.Context, socket string) (*Agent, error) {
	var d net.Dialer
	for {
		conn, err := d.DialContext(ctx, "unix", socket)
		if err == nil {
			a := &Agent{conn: conn, r: bufio.NewReader(conn), id: time.Now().UnixNano() % 1e9}
			if err := a.Sync(ctx); err != nil {
				conn.Close()
				return nil, err
			}
			return a, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("agent socket %s: %w", socket, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Close closes the connection.
func (a *Agent) Close() error { return a.conn.Close() }

// Sync sends guest-sync-delimited with a fresh id, once a second, until
// the agent answers the last one sent: the answers to earlier ones and
// anything left of a former conversation are read and dropped. Until the
// guest's qemu-ga opens its port, qemu holds what is sent.
func (a *Agent) Sync(ctx context.Context) error {
	for {
		a.id++
		id := a.id
		// 0xFF first: it resets the agent's parser from a half-sent
		// request (the agent answers it with an error, dropped here).
		msg := fmt.Sprintf("\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%d}}\n", id)
		if _, err := a.conn.Write([]byte(msg)); err != nil {
			return fmt.Errorf("agent: %w", err)
		}
		deadline := time.Now().Add(time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		a.conn.SetReadDeadline(deadline)
		for {
			// A delimited answer starts with 0xFF.
			if _, err := a.r.ReadBytes(0xff); err != nil {
				break
			}
			line, err := a.r.ReadBytes('\n')
			if err != nil {
				break
			}
			var ans struct {
				Return *int64 `json:"return"`
			}
			if json.Unmarshal(line, &ans) == nil && ans.Return != nil && *ans.Return == id {
				a.conn.SetReadDeadline(time.Time{})
				return nil
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("agent: no answer to guest-sync: %w", ctx.Err())
		}
	}
}

// Call runs the agent command cmd with args (nil for none) and decodes its
// "return" into ret (nil to drop it).
func (a *Agent) Call(ctx context.Context, cmd string, args, ret any) error {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	data, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		a.conn.SetDeadline(d)
		defer a.conn.SetDeadline(time.Time{})
	}
	if _, err := a.conn.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("agent %s: %w", cmd, err)
	}
	for {
		line, err := a.r.ReadBytes('\n')
		if err != nil {
			return fmt.Errorf("agent %s: %w", cmd, err)
		}
		line = bytes.TrimLeft(line, "\xff \r\n")
		if len(line) == 0 {
			continue
		}
		var ans struct {
			Return json.RawMessage `json:"return"`
			Error  *struct {
				Class string `json:"class"`
				Desc  string `json:"desc"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line, &ans); err != nil {
			return fmt.Errorf("agent %s: answer %q: %w", cmd, line, err)
		}
		if ans.Error != nil {
			return fmt.Errorf("agent %s: %s: %s", cmd, ans.Error.Class, ans.Error.Desc)
		}
		if ret == nil || ans.Return == nil {
			return nil
		}
		return json.Unmarshal(ans.Return, ret)
	}
}

// ExecResult is what a command run by Exec did.
type ExecResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// Exec runs argv in the guest (guest-exec, its output captured) and waits
// for it to end (guest-exec-status, every 20 ms).
func (a *Agent) Exec(ctx context.Context, argv ...string) (ExecResult, error) {
	if len(argv) == 0 {
		return ExecResult{}, errors.New("agent exec: no command")
	}
	var started struct {
		PID int `json:"pid"`
	}
	args := map[string]any{"path": argv[0], "arg": argv[1:], "capture-output": true}
	if err := a.Call(ctx, "guest-exec", args, &started); err != nil {
		return ExecResult{}, err
	}
	for {
		var st struct {
			Exited   bool   `json:"exited"`
			ExitCode *int   `json:"exitcode"`
			Signal   *int   `json:"signal"`
			OutData  string `json:"out-data"`
			ErrData  string `json:"err-data"`
		}
		if err := a.Call(ctx, "guest-exec-status", map[string]any{"pid": started.PID}, &st); err != nil {
			return ExecResult{}, err
		}
		if st.Exited {
			out, _ := base64.StdEncoding.DecodeString(st.OutData)
			errOut, _ := base64.StdEncoding.DecodeString(st.ErrData)
			res := ExecResult{ExitCode: -1, Stdout: string(out), Stderr: string(errOut)}
			if st.ExitCode != nil {
				res.ExitCode = *st.ExitCode
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return ExecResult{}, fmt.Errorf("agent exec %q: %w", argv, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
