package arp

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// packetConn is an AF_PACKET datagram socket bound to one interface and one
// ethertype: the kernel writes and strips the Ethernet header, we handle
// the payload (an ARP or IPv6 packet).
type packetConn struct {
	f     *os.File
	raw   syscall.RawConn
	ifc   Iface
	proto uint16
}

// htons converts a 16-bit value to network byte order, as AF_PACKET wants
// its protocol numbers.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// openPacketConn opens the socket inside the interface's namespace: a
// socket stays in the namespace it was created in, so only its creation
// needs the switched thread.
func openPacketConn(ifc Iface, proto uint16, filter []unix.SockFilter) (*packetConn, error) {
	fd, err := socketIn(ifc.NetNS)
	if err != nil {
		return nil, fmt.Errorf("packet socket for %s: %w", ifc.Name, err)
	}
	if err := setupPacketSocket(fd, ifc, proto, filter); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("packet socket on %s: %w", ifc.Name, err)
	}
	f := os.NewFile(uintptr(fd), "packet:"+ifc.Name)
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("packet socket on %s: %w", ifc.Name, err)
	}
	return &packetConn{f: f, raw: raw, ifc: ifc, proto: proto}, nil
}

// setupPacketSocket filters, then binds. The socket is created with
// protocol 0 so it receives nothing until bound to our interface and
// ethertype, and the filter is in place before the first packet.
func setupPacketSocket(fd int, ifc Iface, proto uint16, filter []unix.SockFilter) error {
	if len(filter) > 0 {
		prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
			return fmt.Errorf("attach filter: %w", err)
		}
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(proto), Ifindex: ifc.Index}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	return nil
}

// socketIn creates a non-blocking AF_PACKET socket in namespace ns
// (netns.None() for the current one).
func socketIn(ns netns.NsHandle) (int, error) {
	open := func() (int, error) {
		return unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	}
	if !ns.IsOpen() {
		return open()
	}
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		// The thread is only unlocked once back in its own namespace;
		// otherwise it dies with this goroutine.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			done <- result{-1, fmt.Errorf("current netns: %w", err)}
			return
		}
		defer orig.Close()
		if err := netns.Set(ns); err != nil {
			done <- result{-1, fmt.Errorf("enter netns: %w", err)}
			return
		}
		fd, serr := open()
		if err := netns.Set(orig); err != nil {
			if serr == nil {
				unix.Close(fd)
			}
			done <- result{-1, fmt.Errorf("leave netns: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- result{fd, serr}
	}()
	r := <-done
	return r.fd, r.err
}

func (c *packetConn) Close() error { return c.f.Close() }

// send transmits payload to the link-layer address dst.
func (c *packetConn) send(dst net.HardwareAddr, payload []byte) error {
	to := &unix.SockaddrLinklayer{Protocol: htons(c.proto), Ifindex: c.ifc.Index, Halen: uint8(len(dst))}
	copy(to.Addr[:], dst)
	var serr error
	err := c.raw.Write(func(fd uintptr) bool {
		serr = unix.Sendto(int(fd), payload, 0, to)
		return !errors.Is(serr, unix.EAGAIN)
	})
	if err != nil {
		return err
	}
	return serr
}

// errTimeout reports that no packet arrived before the deadline.
var errTimeout = errors.New("timeout")

// recv returns the next packet received from another host, and its
// link-layer source, waiting until deadline (errTimeout). Our own outgoing
// packets, which packet sockets also see, are skipped.
func (c *packetConn) recv(buf []byte, deadline time.Time) (int, net.HardwareAddr, error) {
	if err := c.f.SetReadDeadline(deadline); err != nil {
		return 0, nil, err
	}
	for {
		var (
			n    int
			from unix.Sockaddr
			rerr error
		)
		err := c.raw.Read(func(fd uintptr) bool {
			n, from, rerr = unix.Recvfrom(int(fd), buf, 0)
			return !errors.Is(rerr, unix.EAGAIN)
		})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, nil, errTimeout
		}
		if err != nil {
			return 0, nil, err
		}
		if rerr != nil {
			return 0, nil, rerr
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		return n, net.HardwareAddr(append([]byte(nil), ll.Addr[:ll.Halen]...)), nil
	}
}

// joinMulticast asks the interface to deliver frames sent to mac, a
// multicast link-layer address (NICs filter multicast they were not asked for).
func (c *packetConn) joinMulticast(mac net.HardwareAddr) error {
	mreq := unix.PacketMreq{Ifindex: int32(c.ifc.Index), Type: unix.PACKET_MR_MULTICAST, Alen: uint16(len(mac))}
	copy(mreq.Address[:], mac)
	var serr error
	err := c.raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptPacketMreq(int(fd), unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq)
	})
	if err != nil {
		return err
	}
	return serr
}
