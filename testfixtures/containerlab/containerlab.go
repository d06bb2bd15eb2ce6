// Package containerlab gives container tests a local image: no registry is
// reachable from the test machines, so a busybox-static rootfs is imported
// through the engine's API, once per engine.
package containerlab

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// ImageName is the local image Image makes.
const ImageName = "omhcl-busybox:local"

// applets are the busybox commands the image links in /bin.
var applets = []string{"sh", "httpd", "sleep", "echo", "cat", "ls", "true", "false", "kill", "ps", "readlink", "stat", "wc", "env", "id", "hostname", "printf", "test", "mkdir"}

var (
	mu   sync.Mutex
	made = map[string]bool{} // socket, or socket and derived image
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
		t.Skipf("no container engine answers on %s (scripts/setup.sh starts the engines, as root): %v", socket, err)
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

// Derived makes, on the engine at socket, an image built FROM ImageName
// with Dockerfile instructions added ("HEALTHCHECK --interval=1s CMD ..."),
// and returns its name: ImageName's repository, tagged with a hash of the
// instructions, so tests asking for the same ones share it. It is built
// rather than imported with changes: podman 4.3's import refuses
// HEALTHCHECK (docker's accepts it); both build it.
func Derived(t testing.TB, socket string, instructions ...string) string {
	t.Helper()
	base := Image(t, socket)
	cli := Client(t, socket)
	name := derivedName(base, instructions)
	mu.Lock()
	defer mu.Unlock()
	if made[socket+" "+name] {
		return name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := cli.ImageInspect(ctx, name); err != nil {
		if err := build(ctx, cli, name, "FROM "+base+"\n"+strings.Join(instructions, "\n")+"\n"); err != nil {
			t.Fatalf("%s: %v", socket, err)
		}
	}
	made[socket+" "+name] = true
	return name
}

func derivedName(base string, instructions []string) string {
	sum := sha256.Sum256([]byte(strings.Join(instructions, "\n")))
	repo, _, _ := strings.Cut(base, ":")
	return repo + ":d-" + hex.EncodeToString(sum[:6])
}

// build builds image name from a context holding dockerfile alone.
func build(ctx context.Context, cli *client.Client, name, dockerfile string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}); err != nil {
		return err
	}
	tw.Write([]byte(dockerfile))
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{
		Tags: []string{name}, Remove: true, ForceRemove: true, NetworkMode: "none",
	})
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	defer res.Body.Close()
	if err := buildOutcome(res.Body); err != nil {
		return fmt.Errorf("build %s from\n%s: %w", name, dockerfile, err)
	}
	if _, err := cli.ImageInspect(ctx, name); err != nil {
		return fmt.Errorf("build %s: not there after the build: %w", name, err)
	}
	return nil
}

// buildOutcome reads a build's JSON stream: the engine reports a failed
// build in it, with a 200 status.
func buildOutcome(r io.Reader) error {
	dec := json.NewDecoder(r)
	var log strings.Builder
	for {
		var m jsonstream.Message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		log.WriteString(m.Stream)
		if m.Error != nil {
			return fmt.Errorf("%s\n%s", m.Error.Message, log.String())
		}
	}
}
