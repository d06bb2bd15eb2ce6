package ipnetns

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/netlab"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"github.com/zclconf/go-cty/cty"
)

// lab is the node's side (namespace host, holding the parent link v0, or
// bridge br0 over it) joined by a veth to a peer on the same segment
// (v1, 198.18.20.1/24). The driver runs inside host, as if it were the
// engine's namespace, so nothing touches the machine's own interfaces.
type lab struct {
	host, peer *netlab.NS
	parent     string
}

func newLab(t *testing.T, bridge bool) *lab {
	netlab.RequireRoot(t)
	l := &lab{host: netlab.NewNS(t, "ipn-host"), peer: netlab.NewNS(t, "ipn-peer"), parent: "v0"}
	netlab.Veth(t, l.host, "v0", l.peer, "v1")
	netlab.AddAddr(t, l.peer, "v1", "198.18.20.1/24")
	if bridge {
		netlab.Bridge(t, l.host, "br0", "v0")
		l.parent = "br0"
	}
	return l
}

// do runs f in the lab's host namespace, failing the test on its error.
func (l *lab) do(t *testing.T, f func() error) {
	t.Helper()
	if err := l.host.Do(f); err != nil {
		t.Fatal(err)
	}
}

// container starts a process in a network namespace of its own (unshare,
// then exec sleep: the pid stays) and returns that namespace's path once
// the process says it is inside.
func container(t *testing.T) (path string, kill func()) {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "sh", "-c", "echo in; exec sleep 1000")
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		t.Fatalf("unshare: %v", err)
	}
	kill = func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "in\n" {
		t.Fatalf("unshare: read %q: %v", line, err)
	}
	return "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/ns/net", kill
}

func resource(attrs map[string]string) *providers.Resource {
	r := &providers.Resource{Service: "svc1", Node: "n1", Kind: "ip", Type: "netns", Name: "0", Attrs: map[string]cty.Value{}}
	for k, v := range attrs {
		if v == "~" {
			r.Attrs[k] = cty.UnknownVal(cty.String)
		} else {
			r.Attrs[k] = cty.StringVal(v)
		}
	}
	return r
}

func newDriver(t *testing.T, attrs map[string]string) *driver {
	t.Helper()
	d, err := New(resource(attrs))
	if err != nil {
		t.Fatal(err)
	}
	return d.(*driver)
}

func newLog(t *testing.T) *providers.Log {
	return providers.NewLog(t.Output()).For("n1", "svc1", "ip#0")
}

// handleIn opens a netlink handle in the namespace at path.
func handleIn(t *testing.T, path string) *netlink.Handle {
	t.Helper()
	ns, err := netns.GetFromPath(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// linkNames lists the links of a namespace.
func linkNames(t *testing.T, h *netlink.Handle) []string {
	t.Helper()
	links, err := h.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range links {
		out = append(out, l.Attrs().Name)
	}
	return out
}

// listenIn opens a TCP listener on addr inside the namespace at path and
// answers "hi" to each connection.
func listenIn(t *testing.T, path, addr string) string {
	t.Helper()
	type res struct {
		l   net.Listener
		err error
	}
	done := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // unlocked only once back home
		orig, err := netns.Get()
		if err != nil {
			done <- res{nil, err}
			return
		}
		defer orig.Close()
		ns, err := netns.GetFromPath(path)
		if err == nil {
			defer ns.Close()
			err = netns.Set(ns)
		}
		if err != nil {
			done <- res{nil, err}
			return
		}
		l, err := net.Listen("tcp", addr)
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		done <- res{l, err}
	}()
	r := <-done
	if r.err != nil {
		t.Fatalf("listen on %s in %s: %v", addr, path, r.err)
	}
	t.Cleanup(func() { r.l.Close() })
	go func() {
		for {
			c, err := r.l.Accept()
			if err != nil {
				return
			}
			fmt.Fprint(c, "hi")
			c.Close()
		}
	}()
	return r.l.Addr().String()
}

// dialFrom connects from ns to addr and reads the greeting.
func dialFrom(ns *netlab.NS, addr string) error {
	return ns.Do(func() error {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 2)
		if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
			return fmt.Errorf("read %q: %v", buf, err)
		}
		return nil
	})
}
