package clusterlab

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// addrReader lists namespaces' addresses over netlink, one handle per
// namespace kept open: the watcher samples every 20 ms.
type addrReader struct {
	mu      sync.Mutex
	handles map[string]*netlink.Handle
}

func newAddrReader() *addrReader { return &addrReader{handles: map[string]*netlink.Handle{}} }

// list returns the addresses of every link in namespace ns but the
// loopback and link-local ones, as prefixes.
func (a *addrReader) list(ns string) ([]netip.Prefix, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	h, err := a.handle(ns)
	if err != nil {
		return nil, err
	}
	addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		// a deleted and recreated namespace needs a new handle
		h.Close()
		delete(a.handles, ns)
		return nil, fmt.Errorf("addresses in netns %s: %v", ns, err)
	}
	var out []netip.Prefix
	for _, ad := range addrs {
		ip, ok := netip.AddrFromSlice(ad.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			continue
		}
		ones, _ := ad.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out, nil
}

// handle returns the open handle of ns. Callers hold a.mu.
func (a *addrReader) handle(ns string) (*netlink.Handle, error) {
	if h, ok := a.handles[ns]; ok {
		return h, nil
	}
	fd, err := netns.GetFromName(ns)
	if err != nil {
		return nil, fmt.Errorf("open netns %s: %v", ns, err)
	}
	defer fd.Close()
	h, err := netlink.NewHandleAt(fd)
	if err != nil {
		return nil, fmt.Errorf("netlink handle in netns %s: %v", ns, err)
	}
	a.handles[ns] = h
	return h, nil
}

func (a *addrReader) close() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for ns, h := range a.handles {
		h.Close()
		delete(a.handles, ns)
	}
}

// Addrs returns node's addresses (every link but lo, link-local excluded).
func (r *Rig) Addrs(node string) ([]netip.Prefix, error) {
	n, err := r.Node(node)
	if err != nil {
		return nil, err
	}
	return r.addrs.list(n.NS)
}

// Holders returns the nodes that hold ip now, in node order; in a lab
// with VMs, those running the lab guest too (Watcher).
func (r *Rig) Holders(ip netip.Addr) ([]string, error) {
	h, err := holders(r.addrs, r.Nodes, ip)
	if err != nil || !r.VMs {
		return h, err
	}
	return withGuests(r.Nodes, h, r.GuestNodes()), nil
}

// withGuests adds the nodes running the guest to holders, in node order.
func withGuests(nodes []*Node, holders, guests []string) []string {
	if len(guests) == 0 {
		return holders
	}
	var out []string
	for _, n := range nodes {
		if slices.Contains(holders, n.Name) || slices.Contains(guests, n.Name) {
			out = append(out, n.Name)
		}
	}
	return out
}

func holders(a *addrReader, nodes []*Node, ip netip.Addr) ([]string, error) {
	var out []string
	for _, n := range nodes {
		addrs, err := a.list(n.NS)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(addrs, func(p netip.Prefix) bool { return p.Addr() == ip }) {
			out = append(out, n.Name)
		}
	}
	return out, nil
}
