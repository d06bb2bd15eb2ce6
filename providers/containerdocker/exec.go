package containerdocker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

// execOutputMax bounds what Exec keeps of a command's output.
const execOutputMax = 1 << 20

// running is the running container of an exec or copy, or why there is none.
func (d *driver) running(ctx context.Context) (*config, *client.Client, *found, error) {
	c, cli, f, err := d.find(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if f == nil || !f.running() {
		return nil, nil, nil, fmt.Errorf("%s: container %s does not run", c.rid, c.name)
	}
	return c, cli, f, nil
}

// Exec runs argv in the container through the API and returns its output
// and exit code.
func (d *driver) Exec(ctx context.Context, argv []string) (providers.ExecResult, error) {
	if len(argv) == 0 {
		return providers.ExecResult{}, fmt.Errorf("%s: exec: no command", d.r.RID())
	}
	c, cli, f, err := d.running(ctx)
	if err != nil {
		return providers.ExecResult{}, err
	}
	what := "exec " + strings.Join(argv, " ")
	ex, err := cli.ExecCreate(ctx, f.id, client.ExecCreateOptions{Cmd: argv, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return providers.ExecResult{}, c.engineErr(what, err)
	}
	att, err := cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return providers.ExecResult{}, c.engineErr(what, err)
	}
	defer att.Close()
	var out bytes.Buffer
	w := &limited{b: &out, n: execOutputMax}
	if _, err := stdcopy.StdCopy(w, w, att.Reader); err != nil && err != io.EOF {
		return providers.ExecResult{}, c.engineErr(what+": read output", err)
	}
	code, err := execExitCode(ctx, cli, ex.ID)
	if err != nil {
		return providers.ExecResult{}, c.engineErr(what, err)
	}
	return providers.ExecResult{Output: out.String(), ExitCode: code}, nil
}

// execExitCode waits for the engine to record the exit: the stream may end
// a moment before.
func execExitCode(ctx context.Context, cli *client.Client, id string) (int, error) {
	for i := 0; ; i++ {
		res, err := cli.ExecInspect(ctx, id, client.ExecInspectOptions{})
		if err != nil {
			return 0, err
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		if i == 50 {
			return 0, fmt.Errorf("still running after its output ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CopyFile uploads content to dst in the container as a one-file archive.
func (d *driver) CopyFile(ctx context.Context, dst string, content []byte, mode uint32) error {
	if !path.IsAbs(dst) || strings.HasSuffix(dst, "/") {
		return fmt.Errorf("%s: copy: destination %q is not an absolute file path", d.r.RID(), dst)
	}
	c, cli, f, err := d.running(ctx)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: path.Base(dst), Mode: int64(mode & 0o7777), Size: int64(len(content)), ModTime: time.Now()}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: copy to %s: %w", c.rid, dst, err)
	}
	tw.Write(content)
	if err := tw.Close(); err != nil {
		return fmt.Errorf("%s: copy to %s: %w", c.rid, dst, err)
	}
	_, err = cli.CopyToContainer(ctx, f.id, client.CopyToContainerOptions{DestinationPath: path.Dir(dst), Content: &buf})
	if err != nil {
		return c.engineErr("copy to "+dst, err)
	}
	return nil
}

// limited keeps the first n bytes and drops the rest.
type limited struct {
	b *bytes.Buffer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
