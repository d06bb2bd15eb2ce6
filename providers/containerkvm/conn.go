package containerkvm

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
)

// defaultSocket is where a system libvirtd listens.
const defaultSocket = "/run/libvirt/libvirt-sock"

// queryTimeout bounds one call to libvirtd: a hung daemon must not hang
// status. A call that outlives it drops the connection, which ends it.
const queryTimeout = 15 * time.Second

// endpoint is a parsed libvirt URI: the socket to dial and the URI the
// connection opens.
type endpoint struct {
	uri    string // as written, for messages and virsh -c
	socket string
}

// parseURI accepts the local forms of a qemu system URI: libvirtd on this
// node, over its unix socket. Remote transports are refused: the node's
// own daemon drives its own libvirtd.
func parseURI(s string) (endpoint, error) {
	u, err := url.Parse(s)
	if err != nil {
		return endpoint{}, fmt.Errorf("uri %q: %v", s, err)
	}
	if (u.Scheme != "qemu" && u.Scheme != "qemu+unix") || u.Host != "" || u.Path != "/system" {
		return endpoint{}, fmt.Errorf(`uri %q must be "qemu:///system" or "qemu+unix:///system?socket=PATH": the node drives its own libvirtd`, s)
	}
	e := endpoint{uri: s, socket: defaultSocket}
	for k, v := range u.Query() {
		if k != "socket" || len(v) != 1 || v[0] == "" || v[0][0] != '/' {
			return endpoint{}, fmt.Errorf("uri %q: only an absolute socket=PATH may follow", s)
		}
		e.socket = v[0]
	}
	return e, nil
}

func (d *driver) endpoint() endpoint {
	s := d.r.Str("uri")
	if s == "" {
		s = os.Getenv("LIBVIRT_DEFAULT_URI")
	}
	if s == "" {
		s = "qemu:///system"
	}
	e, err := parseURI(s)
	if err != nil { // $LIBVIRT_DEFAULT_URI naming a remote: the system one
		return endpoint{uri: "qemu:///system", socket: defaultSocket}
	}
	return e
}

var (
	connsMu sync.Mutex
	conns   = map[string]*libvirt.Libvirt{}
)

// connect returns the shared connection to e's libvirtd, made anew when
// the last one was lost.
func connect(e endpoint) (*libvirt.Libvirt, error) {
	connsMu.Lock()
	defer connsMu.Unlock()
	if l := conns[e.socket]; l != nil && l.IsConnected() {
		return l, nil
	}
	l, err := dial(e)
	if err != nil {
		return nil, err
	}
	conns[e.socket] = l
	return l, nil
}

// dial opens a connection of its own (an event stream holds one).
func dial(e endpoint) (*libvirt.Libvirt, error) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(e.socket), dialers.WithLocalTimeout(5*time.Second)))
	if err := l.ConnectToURI(libvirt.QEMUSystem); err != nil {
		return nil, fmt.Errorf("libvirtd at %s: %w", e.socket, err)
	}
	return l, nil
}

// drop forgets l and closes it, ending the calls waiting on it.
func drop(e endpoint, l *libvirt.Libvirt) {
	connsMu.Lock()
	if conns[e.socket] == l {
		delete(conns, e.socket)
	}
	connsMu.Unlock()
	go l.Disconnect()
}

// call runs f on e's connection within ctx and queryTimeout. go-libvirt's
// calls take no context: one that outlives them loses its connection.
func call[T any](ctx context.Context, e endpoint, f func(*libvirt.Libvirt) (T, error)) (T, error) {
	var zero T
	l, err := connect(e)
	if err != nil {
		return zero, err
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f(l)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		drop(e, l)
		return zero, fmt.Errorf("libvirtd at %s did not answer: %w", e.socket, ctx.Err())
	}
}

// do is call for what returns nothing but an error.
func do(ctx context.Context, e endpoint, f func(*libvirt.Libvirt) error) error {
	_, err := call(ctx, e, func(l *libvirt.Libvirt) (struct{}, error) { return struct{}{}, f(l) })
	return err
}

// isNoDomain reports a libvirt "domain not found".
func isNoDomain(err error) bool { return libvirt.IsNotFound(err) }

// isNoMetadata reports a domain without the metadata element asked for.
func isNoMetadata(err error) bool {
	var e libvirt.Error
	return errors.As(err, &e) && e.Code == uint32(libvirt.ErrNoDomainMetadata)
}
