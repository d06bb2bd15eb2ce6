// Package containerlab gives container tests a local image: no registry is
// reachable from the test machines, so a busybox-static rootfs is imported
// through the engine's API, once per engine.
package containerlab

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// ImageName is the local image Image makes.
const ImageName = "omhcl-busybox:local"

// applets are the busybox commands the image links in /bin.
var applets = []string{"sh", "httpd", "sleep", "echo", "cat", "ls", "true", "false", "kill", "ps", "readlink", "stat", "wc", "env", "id", "hostname", "printf", "test", "mkdir"}

var (
	mu   sync.Mutex
	made = map[string]bool{}
)

// Client returns a client of the engine on socket, skipping t when the
// engine does not answer there.
func Client(t testing.TB, socket string) *client.Client {
	t.Helper()
	cli, err := client.New(client.WithHost("unix://"+socket), client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("engine client for %s: %v", socket, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		t.Skipf("no container engine answers on %s (run scripts/engines.sh): %v", socket, err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// Image makes ImageName on the engine at socket if it is not there, and
// returns its name. It skips t when the engine does not answer.
func Image(t testing.TB, socket string) string {
	t.Helper()
	cli := Client(t, socket)
	mu.Lock()
	defer mu.Unlock()
	if made[socket] {
		return ImageName
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := ensure(ctx, cli); err != nil {
		t.Fatalf("%s: %v", socket, err)
	}
	made[socket] = true
	return ImageName
}

// Ensure makes ImageName on the engine at socket if it is not there: for
// labs whose nodes run engines of their own.
func Ensure(ctx context.Context, socket string) error {
	cli, err := client.New(client.WithHost("unix://"+socket), client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer cli.Close()
	if err := ensure(ctx, cli); err != nil {
		return fmt.Errorf("%s: %w", socket, err)
	}
	return nil
}

func ensure(ctx context.Context, cli *client.Client) error {
	if _, err := cli.ImageInspect(ctx, ImageName); err == nil {
		return nil
	}
	rootfs, err := rootfsTar()
	if err != nil {
		return fmt.Errorf("busybox rootfs: %w", err)
	}
	res, err := cli.ImageImport(ctx, client.ImageImportSource{Source: bytes.NewReader(rootfs), SourceName: "-"}, ImageName,
		client.ImageImportOptions{Changes: []string{"ENV PATH=/bin", `CMD ["sh"]`}})
	if err != nil {
		return fmt.Errorf("import %s: %w", ImageName, err)
	}
	var out bytes.Buffer
	out.ReadFrom(res)
	res.Close()
	if _, err := cli.ImageInspect(ctx, ImageName); err != nil {
		return fmt.Errorf("import %s: not there after import (%s): %w", ImageName, out.String(), err)
	}
	return nil
}

// rootfsTar is /bin/busybox with its applet links and the usual dirs.
func rootfsTar() ([]byte, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, fmt.Errorf("needs busybox-static at /bin/busybox: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "etc/", "tmp/", "proc/", "sys/", "dev/", "data/", "www/"} {
		mode := int64(0o755)
		if d == "tmp/" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: mode}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}); err != nil {
		return nil, err
	}
	tw.Write(bb)
	for _, a := range applets {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + a, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
