package containerlxc_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

// TestCopyInAgentBinary installs om, a 20 MB static binary, as encap does
// and runs it, on the two rootfs backends a node meets: dir (lxc-create)
// and overlay (an lxc-copy -s snapshot clone, whose merged root exists
// only in the container's mount namespace). /usr/local/bin is a tmpfs
// inside the dir container: the binary must land where the container
// sees it, not in the directory the mount hides.
func TestCopyInAgentBinary(t *testing.T) {
	om := buildOM(t)
	tmpfs := map[string]cty.Value{"config": cty.MapVal(map[string]cty.Value{
		"lxc.mount.entry": cty.StringVal("tmpfs usr/local/bin tmpfs defaults,create=dir 0 0"),
	})}
	base, name, path := lxcDriver(t, tmpfs)
	ctx, log := t.Context(), disklab.Log(t)
	if err := base.Provision(ctx, log); err != nil {
		t.Fatal(err)
	}
	clone := name + "-ov"
	disklab.Run(t, "lxc-copy", "-n", name, "-N", clone, "-P", path, "-s", "-B", "overlay")
	overlay := namedDriver(t, clone, path, nil)
	for backend, d := range map[string]providers.Driver{"dir": base, "overlay": overlay} {
		t.Run(backend, func(t *testing.T) {
			if err := d.Start(ctx, log); err != nil {
				t.Fatal(err)
			}
			installAndRun(t, d.(providers.Executor), om)
			if err := d.Stop(ctx, log); err != nil {
				t.Fatal(err)
			}
			// Stopped, only a directory rootfs can be written.
			err := d.(providers.Executor).CopyIn(ctx, om, "/usr/local/bin/om", 0o755)
			if backend == "dir" && err != nil || backend == "overlay" && (err == nil || !strings.Contains(err.Error(), "start it")) {
				t.Errorf("CopyIn into the stopped %s container: %v", backend, err)
			}
		})
	}
}

// installAndRun copies om to /usr/local/bin/om, logging how long it took,
// and checks that the copy runs and is whole: om agent version prints its
// own SHA-256.
func installAndRun(t *testing.T, ex providers.Executor, om string) {
	t.Helper()
	begin := time.Now()
	if err := ex.CopyIn(t.Context(), om, "/usr/local/bin/om", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("TIMING CopyIn of om: %v", time.Since(begin).Round(time.Millisecond))
	begin = time.Now()
	out, errOut, code, err := ex.Exec(t.Context(), []string{"/usr/local/bin/om", "agent", "version"})
	t.Logf("TIMING om agent version inside: %v", time.Since(begin).Round(time.Millisecond))
	if want := sha256File(t, om); err != nil || code != 0 || strings.TrimSpace(string(out)) != want {
		t.Errorf("om agent version inside = %q, %q, exit %d, %v; want %s", out, errOut, code, err, want)
	}
}

// buildOM builds om as nodes run it, static, into a temporary directory.
func buildOM(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+"/", "github.com/omhcl/omhcl/cmd/om")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build om: %v\n%s", err, out)
	}
	return filepath.Join(dir, "om")
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
