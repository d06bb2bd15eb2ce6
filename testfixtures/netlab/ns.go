package netlab

import (
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// NS is a named network namespace created for one test.
type NS struct {
	Name   string // the name under /run/netns, for `ip -n NAME` and netns attributes
	Path   string // /run/netns/NAME
	handle *netlink.Handle
}

// NewNS creates a named network namespace with lo up. The namespace is
// deleted when the test ends.
func NewNS(t testing.TB, prefix string) *NS {
	t.Helper()
	name := UniqueName(prefix, 40)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
	ns := &NS{Name: name, Path: "/run/netns/" + name}
	t.Cleanup(func() {
		if ns.handle != nil {
			ns.handle.Close()
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("cleanup: ip netns del %s: %v: %s", name, err, strings.TrimSpace(string(out)))
		}
	})
	h, err := ns.openHandle()
	if err != nil {
		t.Fatalf("netlink handle in netns %s: %v", name, err)
	}
	ns.handle = h
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		t.Fatalf("set lo up in netns %s: %v", name, err)
	}
	return ns
}

func (ns *NS) openHandle() (*netlink.Handle, error) {
	fd, err := netns.GetFromName(ns.Name)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	return netlink.NewHandleAt(fd)
}

// Handle returns a netlink handle working inside the namespace. It is
// closed when the test ends; do not close it.
func (ns *NS) Handle() *netlink.Handle { return ns.handle }

// Link returns the link named dev in the namespace, failing the test if it
// does not exist.
func (ns *NS) Link(t testing.TB, dev string) netlink.Link {
	t.Helper()
	l, err := ns.handle.LinkByName(dev)
	if err != nil {
		t.Fatalf("link %s in netns %s: %v", dev, ns.Name, err)
	}
	return l
}

// Exec runs argv inside the namespace and returns its combined output.
func (ns *NS) Exec(argv ...string) (string, error) {
	args := append([]string{"netns", "exec", ns.Name}, argv...)
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("in netns %s: %s: %v: %s", ns.Name, strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Run runs argv inside the namespace, failing the test on error, and
// returns its combined output.
func (ns *NS) Run(t testing.TB, argv ...string) string {
	t.Helper()
	out, err := ns.Exec(argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Do runs f on an OS thread switched into the namespace. Sockets f opens
// stay bound to the namespace after f returns. If the thread cannot be
// switched back it is left locked, so the runtime discards it.
func (ns *NS) Do(f func() error) error {
	target, err := netns.GetFromName(ns.Name)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", ns.Name, err)
	}
	defer target.Close()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			done <- fmt.Errorf("current netns: %w", err)
			return // thread stays locked and dies with the goroutine
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			done <- fmt.Errorf("enter netns %s: %w", ns.Name, err)
			return
		}
		ferr := f()
		if err := netns.Set(orig); err != nil {
			done <- fmt.Errorf("leave netns %s: %w (f: %v)", ns.Name, err, ferr)
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}
