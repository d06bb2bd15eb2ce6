package containerlxc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"strings"
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
	cmd := exec.CommandContext(ctx, "lxc-attach", args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), errOut.Bytes(), 0, nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return out.Bytes(), errOut.Bytes(), exit.ExitCode(), nil
	}
	return out.Bytes(), errOut.Bytes(), -1, d.fail("exec "+strings.Join(argv, " ")+" in", err)
}

// CopyIn writes src under the container's rootfs through an os.Root, so
// that a symlink inside the container cannot send the write outside it,
// then renames it into place: the container never sees a half file.
func (d *driver) CopyIn(ctx context.Context, src, dst string, mode os.FileMode) error {
	if !path.IsAbs(dst) || path.Clean(dst) == "/" {
		return fmt.Errorf("%s: copy %s into %s: destination %q must be an absolute file path", d.r.RID(), src, d.name(), dst)
	}
	rootfs := ""
	if d.exists() {
		rootfs = d.rootfs()
	}
	if rootfs == "" {
		return fmt.Errorf("%s: copy %s into %s: no directory rootfs (not provisioned?)", d.r.RID(), src, d.name())
	}
	if err := copyUnder(rootfs, src, path.Clean(dst)[1:], mode); err != nil {
		return fmt.Errorf("%s: copy %s to %s in %s: %w", d.r.RID(), src, dst, d.name(), err)
	}
	return nil
}

func copyUnder(rootfs, src, rel string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	root, err := os.OpenRoot(rootfs)
	if err != nil {
		return err
	}
	defer root.Close()
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
