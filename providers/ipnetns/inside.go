package ipnetns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/omhcl/omhcl/providers/internal/iplink"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// errGone marks a namespace path that no longer exists: the container
// stopped or restarted with a new pid.
var errGone = errors.New("no longer exists")

// inside is the container's namespace, opened, with a netlink handle
// working there.
type inside struct {
	spec string
	ns   netns.NsHandle
	h    *netlink.Handle
}

// openInside opens the namespace netns names. A missing one matches
// errGone.
func openInside(spec string) (*inside, error) {
	ns, err := iplink.OpenNetns(spec)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("netns %s %w: the container is stopped or restarted (new pid)", spec, errGone)
		}
		return nil, err
	}
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		ns.Close()
		return nil, fmt.Errorf("netlink in netns %s: %w", spec, err)
	}
	return &inside{spec: spec, ns: ns, h: h}, nil
}

func (in *inside) close() {
	in.h.Close()
	in.ns.Close()
}

// ours returns the link marked with alias, nil if none.
func (in *inside) ours(alias string) (netlink.Link, error) {
	links, err := in.h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links in netns %s: %w", in.spec, err)
	}
	for _, l := range links {
		if l.Attrs().Alias == alias {
			return l, nil
		}
	}
	return nil, nil
}

// hasAddr reports whether link holds ip.
func (in *inside) hasAddr(link netlink.Link, ip netip.Addr) (bool, error) {
	list, err := in.h.AddrList(link, iplink.Family(ip))
	if err != nil {
		return false, fmt.Errorf("list addresses of %s in netns %s: %w", link.Attrs().Name, in.spec, err)
	}
	for _, a := range list {
		if got, ok := iplink.AddrOf(a.IP); ok && got == ip.WithZone("") {
			return true, nil
		}
	}
	return false, nil
}

func isUp(l netlink.Link) bool { return l.Attrs().Flags&net.FlagUp != 0 }
