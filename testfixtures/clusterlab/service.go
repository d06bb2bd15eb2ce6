package clusterlab

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
)

// DefaultRoot is the directory of `make lab`'s lab, and the one the
// example service's paths name (examples/lab/service.hcl).
const DefaultRoot = "/var/tmp/omlab"

// ExampleService is the example HA service, relative to the repository root.
const ExampleService = "examples/lab/service.hcl"

// ServiceIP is the example service's address.
var ServiceIP = netip.MustParseAddr(ServiceAddr)

// Adapt rewrites a service configuration written for DefaultRoot to this
// lab's root, and installs what its app needs there: demoweb in ROOT/bin
// and the ROOT/www document root. om goes to ROOT/bin too: containers of
// encapsulated services may mount it as their agent (examples/lab-encap*).
// A lab with VMs gets its guest's kernel and initramfs in ROOT/vm
// (examples/lab-kvm).
func (r *Rig) Adapt(src []byte) ([]byte, error) {
	if err := r.installApp(); err != nil {
		return nil, err
	}
	if r.VMs {
		if err := r.installGuest(); err != nil {
			return nil, err
		}
	}
	return bytes.ReplaceAll(src, []byte(DefaultRoot), []byte(r.Root)), nil
}

func (r *Rig) installApp() error {
	for _, d := range []string{"bin", "www"} {
		if err := os.MkdirAll(filepath.Join(r.Root, d), 0o755); err != nil {
			return err
		}
	}
	for _, b := range []string{"demoweb", "om"} {
		if err := copyFile(r.bin(b), filepath.Join(r.Root, "bin", b), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("the %s binary: %v (build it first: make build)", filepath.Base(from), err)
	}
	defer in.Close()
	tmp := to + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, to) // a running copy keeps its old inode
}

// Deploy writes a service configuration (already adapted) as file in
// node's configuration directory, then runs omapply there: omapply hands
// an orchestrated service to the node's daemon, which distributes it to
// the service's nodes.
func (r *Rig) Deploy(node, file string, src []byte) (Result, error) {
	n, err := r.Node(node)
	if err != nil {
		return Result{}, err
	}
	if err := os.WriteFile(filepath.Join(n.ConfigDir, file), src, 0o644); err != nil {
		return Result{}, err
	}
	return r.Run(node, "omapply", "--auto-approve")
}
