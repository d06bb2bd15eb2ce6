package containerlxc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/omhcl/omhcl/providers"
)

// running fails unless the container runs: lxc-attach needs its init.
func (d *driver) running(ctx context.Context) error {
	if !d.exists() {
		return fmt.Errorf("%s: container %s does not exist in %s", d.r.RID(), d.name(), d.lxcpath())
	}
	in, err := d.info(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", d.r.RID(), err)
	}
	if in.State != "RUNNING" {
		return fmt.Errorf("%s: container %s is %s, not RUNNING", d.r.RID(), d.name(), in.State)
	}
	return nil
}

// Exec runs argv in the container with lxc-attach, whose exit code is the
// command's. --clear-env: lxc-attach passes the caller's environment by
// default, and a node's OMHCL_* would send an agent to the node's paths;
// lxc then sets a standard PATH.
func (d *driver) Exec(ctx context.Context, argv []string) (stdout, stderr []byte, code int, err error) {
	if len(argv) == 0 {
		return nil, nil, -1, fmt.Errorf("%s: exec: no command", d.r.RID())
	}
	if err := lookTools("lxc-attach"); err != nil {
		return nil, nil, -1, d.fail("exec in", err)
	}
	if err := d.running(ctx); err != nil {
		return nil, nil, -1, err
	}
	args := append([]string{"-n", d.name(), "-P", d.lxcpath(), "--clear-env", "--"}, argv...)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	cmd := exec.CommandContext(ctx, "lxc-attach", args...)
	// once ctx ends and lxc-attach is killed, what the command left
	// running inside must not hold its output pipes open for ever
	cmd.WaitDelay = 2 * time.Second
	// bounded: the container chooses what its command prints; past the
	// bound lxc-attach is killed, and the call fails
	out, errOut := providers.ExecStreams(stop)
	cmd.Stdout, cmd.Stderr = out, errOut
	err = cmd.Run()
	if over := providers.ExecOverflow(out, errOut); over != nil {
		return nil, nil, -1, d.fail("exec "+strings.Join(argv, " ")+" in", over)
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), errOut.Bytes(), 0, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return out.Bytes(), errOut.Bytes(), exit.ExitCode(), nil
	}
	return out.Bytes(), errOut.Bytes(), -1, d.fail("exec "+strings.Join(argv, " ")+" in", err)
}

// CopyIn writes src into the container through an os.Root, so that a
// symlink inside the container cannot send the write outside it, then
// renames it into place: the container never sees a half file.
func (d *driver) CopyIn(ctx context.Context, src, dst string, mode os.FileMode) error {
	if !path.IsAbs(dst) || path.Clean(dst) == "/" {
		return fmt.Errorf("%s: copy %s into %s: destination %q must be an absolute file path", d.r.RID(), src, d.name(), dst)
	}
	root, err := d.openRoot(ctx)
	if err == nil {
		defer root.Close()
		err = copyUnder(root, src, path.Clean(dst)[1:], mode)
	}
	if err != nil {
		return fmt.Errorf("%s: copy %s to %s in %s: %w", d.r.RID(), src, dst, d.name(), err)
	}
	return nil
}

// openRoot opens the container's root as the container sees it when it
// runs: /proc/PID/root of its init, in its mount namespace, which is the
// only place an overlay (or any mounted) rootfs is whole, and which shows
// the mounts made inside (a file under the directory of a mount would be
// hidden). A stopped container is written in its rootfs directory.
func (d *driver) openRoot(ctx context.Context) (*os.Root, error) {
	if !d.exists() {
		return nil, errors.New("not provisioned")
	}
	in, err := d.info(ctx)
	if err != nil {
		return nil, err
	}
	if in.State != "RUNNING" || in.PID <= 0 {
		if rootfs := d.rootfs(); rootfs != "" {
			return os.OpenRoot(rootfs)
		}
		return nil, fmt.Errorf("container is %s and its rootfs is not a directory: start it", in.State)
	}
	root, err := os.OpenRoot(fmt.Sprintf("/proc/%d/root", in.PID))
	if err != nil {
		return nil, err
	}
	// The pid was read before the open: had the container stopped since,
	// the pid could name another process and its root.
	if again, err := d.info(ctx); err != nil || again.PID != in.PID {
		root.Close()
		return nil, fmt.Errorf("container changed state while opening its root (init pid %d)", in.PID)
	}
	return root, nil
}

// copyUnder copies src to rel under root through a temporary file.
func copyUnder(root *os.Root, src, rel string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if dir := path.Dir(rel); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := rel + ".omhcl-copy"
	out, err := root.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Chmod(tmp, mode.Perm()) // the umask narrowed OpenFile's mode
	}
	if err == nil {
		err = root.Rename(tmp, rel)
	}
	if err != nil {
		_ = root.Remove(tmp)
	}
	return err
}
