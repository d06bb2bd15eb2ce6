package containerdocker

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
	"github.com/omhcl/omhcl/providers"
)

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
func (d *driver) Exec(ctx context.Context, argv []string) (stdout, stderr []byte, code int, err error) {
	if len(argv) == 0 {
		return nil, nil, 0, fmt.Errorf("%s: exec: no command", d.r.RID())
	}
	c, cli, f, err := d.running(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	what := "exec " + strings.Join(argv[:min(len(argv), 3)], " ")
	// as the container's root whatever its user: an agent plumbs addresses
	// and reads what the node pushed
	ex, err := cli.ExecCreate(ctx, f.id, client.ExecCreateOptions{Cmd: argv, User: "0", AttachStdout: true, AttachStderr: true})
	if err != nil {
		return nil, nil, 0, c.engineErr(what, err)
	}
	att, err := cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, nil, 0, c.engineErr(what, err)
	}
	defer att.Close()
	// the stream ignores ctx: a command that hangs must not hang the caller
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			att.Close()
		case <-done:
		}
	}()
	// bounded: the container chooses what its command prints; past the
	// bound the stream is closed, and the call fails
	out, errb := providers.ExecStreams(func() { att.Close() })
	if _, err := stdcopy.StdCopy(out, errb, att.Reader); err != nil && err != io.EOF {
		if over := providers.ExecOverflow(out, errb); over != nil {
			return nil, nil, 0, c.engineErr(what, fmt.Errorf("%w (it may still run in the container)", over))
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("no answer: %w (the command may still run in the container)", ctx.Err())
		}
		return nil, nil, 0, c.engineErr(what, err)
	}
	code, err = execExitCode(ctx, cli, ex.ID)
	if err != nil {
		return nil, nil, 0, c.engineErr(what, err)
	}
	return out.Bytes(), errb.Bytes(), code, nil
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

// CopyIn uploads the host file src to dst in the container as an archive
// streamed from the file, with entries for the directories dst lacks.
func (d *driver) CopyIn(ctx context.Context, src, dst string, mode os.FileMode) error {
	if !path.IsAbs(dst) || strings.HasSuffix(dst, "/") {
		return fmt.Errorf("%s: copy: destination %q is not an absolute file path", d.r.RID(), dst)
	}
	c, cli, f, err := d.running(ctx)
	if err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("%s: copy %s: %w", c.rid, src, err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return fmt.Errorf("%s: copy %s: %w", c.rid, src, err)
	}
	missing := missingDirs(ctx, cli, f.id, path.Dir(dst))
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeArchive(pw, in, fi.Size(), dst, mode, missing)) }()
	_, err = cli.CopyToContainer(ctx, f.id, client.CopyToContainerOptions{DestinationPath: "/", Content: pr})
	pr.Close()
	if err != nil {
		return c.engineErr("copy to "+dst, err)
	}
	return nil
}

// missingDirs lists the directories from dir up that the container lacks,
// outermost first.
func missingDirs(ctx context.Context, cli *client.Client, id, dir string) []string {
	var out []string
	for ; dir != "/" && dir != "."; dir = path.Dir(dir) {
		if _, err := cli.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: dir}); err == nil {
			break
		}
		out = append([]string{dir}, out...)
	}
	return out
}

// writeArchive writes a tar of the missing directories and the file.
func writeArchive(w io.Writer, r io.Reader, size int64, dst string, mode os.FileMode, dirs []string) error {
	tw := tar.NewWriter(w)
	now := time.Now()
	for _, dir := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(dir, "/") + "/", Mode: 0o755, ModTime: now}); err != nil {
			return err
		}
	}
	hdr := &tar.Header{Name: strings.TrimPrefix(dst, "/"), Mode: int64(mode.Perm()), Size: size, ModTime: now}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, r, size); err != nil {
		return err
	}
	return tw.Close()
}
