package containerkvm

// Live migration: libvirt's peer-to-peer, tunnelled migration
// (VIR_MIGRATE_LIVE|PEER2PEER|TUNNELLED). The source's libvirtd drives it
// and opens its own connection to the destination's libvirtd; qemu's
// migration stream travels inside that connection (tunnelled), so there is
// one byte stream between the nodes and no qemu port to open.
//
// That connection goes through the cluster's transport, never libvirt's
// TCP, TLS or SSH transports: the source's libvirtd is handed a unix
// socket of the node's own (qemu+unix:///system?socket=PATH, in a 0700
// directory of root's), made for this one migration, and each connection
// to it is joined to a data channel request to the destination node
// (providers.MigrationTarget.Dial). The destination's daemon accepts the
// request only for a kvm resource of a service it takes part in, with
// live_migrate = true, not running there (daemon/migrate.go), and then
// runs what this node's copy of the resource builds: om node kvm-relay
// (Relay below), which joins the channel to its own libvirtd.
//
// A connection to libvirtd is root on that node, so the relay lets
// through only what a migration destination is asked: it parses every
// packet of libvirt's RPC protocol the member sends (program, procedure,
// type) and forwards only the calls listed in migrationCalls, the
// keepalives, and the migration's stream into the one tunnelled prepare
// it accepted. That prepare must name the resource's own domain (name and
// UUID), and the domain XML it carries is replaced with the one this
// node's libvirtd has defined from this node's own copy of the resource:
// a member cannot start a qemu of its choosing here, only the resource's.
// A persistent definition sent along (VIR_MIGRATE_PERSIST_DEST, the
// persistent_xml parameter) is refused: the destination keeps its own.
// Anything else ends the connection with an error the source's libvirtd
// reports ("the receiving node refused it: ...").

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/omhcl/omhcl/providers"
	"libvirt.org/go/libvirtxml"
)

var _ providers.Migrator = (*driver)(nil)

// migrateTimeout bounds a migration: one that has not converged by then
// is aborted, and the guest keeps running here.
const migrateTimeout = 10 * time.Minute

// migrateFlags are the flags of every migration the driver makes.
const migrateFlags = libvirt.MigrateLive | libvirt.MigratePeer2peer | libvirt.MigrateTunnelled

func (d *driver) LiveMigrates() bool { return d.r.Bool("live_migrate") }

func (d *driver) MigrateOperations(node string) []string {
	return []string{fmt.Sprintf("%s (to %s's libvirtd, through the cluster's transport: the guest keeps running)",
		d.virsh("migrate", "--live", "--p2p", "--tunnelled", d.name(), "<"+node+">"), node)}
}

// Migrate has the source's libvirtd migrate the running domain to
// to.Node, its connection to the destination's libvirtd relayed through
// a unix socket of this node's onto to.Dial.
func (d *driver) Migrate(ctx context.Context, log *providers.Log, to providers.MigrationTarget) error {
	if !d.LiveMigrates() {
		return d.fail("migrate", errors.New("live_migrate is not set"))
	}
	s, err := d.lookup(ctx)
	if err != nil {
		return d.fail("migrate", err)
	}
	if !s.running() {
		return d.fail("migrate", fmt.Errorf("it does not run here (%s)", joinMessages(statusOf(s))))
	}
	// the source's libvirtd must see it: /run (root's), not a /tmp that
	// a unit of libvirtd's may hold private
	base := ""
	if fi, err := os.Stat("/run"); err == nil && fi.IsDir() {
		base = "/run"
	}
	dir, err := os.MkdirTemp(base, "omhcl-migrate-")
	if err != nil {
		return d.fail("migrate", err)
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "relay.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return d.fail("migrate", err)
	}
	defer ln.Close()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	var relayed sync.WaitGroup
	var refused error // the destination's, when it refused the connection
	relayed.Go(func() { refused = serveRelay(rctx, ln, to, log) })

	log.Op("%s", d.virsh("migrate", "--live", "--p2p", "--tunnelled", d.name(), "<"+to.Node+">"))
	t0 := time.Now()
	l, err := dial(d.endpoint()) // a connection of its own: a migration outlives queryTimeout
	if err != nil {
		return d.fail("migrate", err)
	}
	defer l.Disconnect()
	done := make(chan error, 1)
	go func() {
		_, err := l.DomainMigratePerform3Params(s.dom, libvirt.OptString{"qemu+unix:///system?socket=" + sock}, nil, nil, migrateFlags)
		done <- err
	}()
	mctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	select {
	case err = <-done:
	case <-mctx.Done():
		_ = l.DomainAbortJob(s.dom)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
		}
		err = fmt.Errorf("not done within %s: aborted", migrateTimeout)
	}
	stop()
	ln.Close()
	relayed.Wait()
	if err != nil && refused != nil {
		err = fmt.Errorf("%s refused it: %w (libvirt: %v)", to.Node, refused, err)
	}
	if err != nil {
		if st, lerr := d.lookup(context.WithoutCancel(ctx)); lerr == nil && st.running() {
			return d.fail("migrate", fmt.Errorf("%w (it still runs here)", err))
		}
		return d.fail("migrate", err)
	}
	took := time.Since(t0)
	log.Info("domain %s migrated to %s in %.2fs%s", d.name(), to.Node, took.Seconds(), jobStats(l, s.dom))
	return nil
}

// jobStats says what libvirt measured of the completed migration: the
// guest's downtime (paused for the last copy and the switch) and how much
// memory crossed.
func jobStats(l *libvirt.Libvirt, dom libvirt.Domain) string {
	_, params, err := l.DomainGetJobStats(dom, libvirt.DomainJobStatsCompleted)
	if err != nil {
		return ""
	}
	var down, mem uint64
	var have bool
	for _, p := range params {
		v, ok := p.Value.I.(uint64)
		switch {
		case !ok:
		case p.Field == "downtime":
			down, have = v, true
		case p.Field == "memory_processed":
			mem = v
		}
	}
	if !have {
		return ""
	}
	return fmt.Sprintf(" (the guest paused %d ms; %.1f MiB of memory copied)", down, float64(mem)/(1<<20))
}

// serveRelay joins each connection the source's libvirtd opens on ln to
// a connection to the destination, until ctx ends; it returns the first
// error of a connection to the destination.
func serveRelay(ctx context.Context, ln net.Listener, to providers.MigrationTarget, log *providers.Log) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	defer wg.Wait()
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			wg.Wait()
			return first
		}
		wg.Go(func() {
			defer c.Close()
			remote, err := to.Dial(ctx)
			if err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
				return
			}
			defer remote.Close()
			go func() { <-ctx.Done(); c.Close(); remote.Close() }()
			join(c, remote)
			// the destination's word on how its end went, when it has one
			if e, ok := remote.(interface{ Err() error }); ok {
				if err := e.Err(); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
}

// join copies between a and b both ways until either ends.
func join(a, b io.ReadWriteCloser) {
	done := make(chan struct{}, 2)
	go func() { io.Copy(a, b); done <- struct{}{} }()
	go func() { io.Copy(b, a); done <- struct{}{} }()
	<-done
	a.Close()
	b.Close()
}

// ReceiveCommand checks this node can take the migration of the resource
// in, defines the domain as this node's copy of the resource says (when
// it is not already), and returns the relay to run.
func (d *driver) ReceiveCommand(ctx context.Context, log *providers.Log, om []string) ([]string, error) {
	if !d.LiveMigrates() {
		return nil, fmt.Errorf("%s.%s does not say live_migrate = true here", d.r.Service, d.r.RID())
	}
	if d.form() == adopted {
		return nil, fmt.Errorf("%s.%s is taken as libvirt has it (neither xml nor the short form): this node has no definition of its own to receive it into", d.r.Service, d.r.RID())
	}
	s, err := d.lookup(ctx)
	if err != nil {
		return nil, err
	}
	if s.defined && s.state != libvirt.DomainShutoff && s.state != libvirt.DomainCrashed && s.state != libvirt.DomainNostate {
		return nil, fmt.Errorf("domain %s is not shut off here (%s): nothing migrates over it", d.name(), joinMessages(statusOf(s)))
	}
	if err := d.define(ctx, log, s); err != nil {
		return nil, err
	}
	s, err = d.lookup(ctx)
	if err != nil || !s.defined {
		return nil, fmt.Errorf("domain %s not defined after define: %v", d.name(), err)
	}
	return append(om, "node", "kvm-relay", "--uri", d.endpoint().uri, "--name", d.name(), "--uuid", formatUUID(s.dom.UUID)), nil
}

// libvirt's RPC protocol (remote_protocol.x, virnetprotocol.x): a packet
// is a length word (counting itself), a header of six words, a body.
const (
	remoteProgram    = 0x20008086
	keepaliveProgram = 0x6b656570
	msgCall          = 0
	msgReply         = 1
	msgStream        = 3
	statusError      = 1
	headerLen        = 4 + 24
	// packetMax is libvirt's VIR_NET_MESSAGE_MAX plus the length word.
	packetMax = 32<<20 + 4
)

// The remote program's procedures a migration destination is called
// with, by number (go-libvirt's generated constants are internal).
const (
	procConnectOpen               = 1
	procConnectClose              = 2
	procConnectSupportsFeature    = 60
	procAuthList                  = 66
	procPrepareTunnel3Params      = 304
	procFinish3Params             = 306
	procConnectRegisterCloseCbk   = 360
	procConnectUnregisterCloseCbk = 361
)

// migrationCalls are the calls the relay forwards, with what each is
// for; every other call is refused.
var migrationCalls = map[int32]string{
	procAuthList:                  "list the authentication schemes",
	procConnectOpen:               "open the connection",
	procConnectSupportsFeature:    "ask for migration features (p2p, v3, params)",
	procConnectRegisterCloseCbk:   "be told when the connection closes",
	procConnectUnregisterCloseCbk: "stop being told",
	procPrepareTunnel3Params:      "prepare the incoming domain, its stream tunnelled (checked, its XML replaced)",
	procFinish3Params:             "finish the incoming migration (checked, its XML replaced)",
	procConnectClose:              "close the connection",
}

// Parameters of a migration (libvirt-domain.h, VIR_MIGRATE_PARAM_*).
const (
	paramDestXML    = "destination_xml"
	paramDestName   = "destination_name"
	paramPersistXML = "persistent_xml"
)

// Relay serves one incoming migration connection: what the member sends
// (in) goes to this node's libvirtd at uri, checked packet by packet;
// what libvirtd answers goes back (out). name and uuid are the domain
// this node defined from its copy of the resource, the only one that may
// come in; its definition replaces the one the source sends.
func Relay(ctx context.Context, uri, name, uuid string, in io.Reader, out io.Writer) error {
	e, err := parseURI(uri)
	if err != nil {
		return err
	}
	own, err := ownDefinition(ctx, e, name, uuid)
	if err != nil {
		return err
	}
	conn, err := net.DialTimeout("unix", e.socket, 5*time.Second)
	if err != nil {
		return fmt.Errorf("libvirtd at %s: %w", e.socket, err)
	}
	defer conn.Close()
	f := &filter{name: name, uuid: uuid, xml: own}
	var wmu sync.Mutex // the relay's own error replies and libvirtd's answers share out
	back := make(chan error, 1)
	go func() {
		buf := make([]byte, 256<<10)
		for {
			n, err := conn.Read(buf)
			if n > 0 {
				wmu.Lock()
				_, werr := out.Write(buf[:n])
				wmu.Unlock()
				if werr != nil {
					back <- werr
					return
				}
			}
			if err != nil {
				back <- nil
				return
			}
		}
	}()
	type read struct {
		pkt []byte
		err error
	}
	reads := make(chan read)
	go func() {
		br := bufio.NewReaderSize(in, 64<<10)
		for {
			pkt, err := readPacket(br)
			reads <- read{pkt, err}
			if err != nil {
				return
			}
		}
	}()
	var refused error
	var linger <-chan time.Time // once refused: the time the source has to close
	for {
		var r read
		select {
		case r = <-reads:
		case <-linger:
			return fmt.Errorf("refused: %w", refused)
		}
		if r.err != nil {
			conn.(*net.UnixConn).CloseWrite()
			err := <-back
			switch {
			case refused != nil:
				return fmt.Errorf("refused: %w", refused)
			case r.err != io.EOF:
				return r.err
			}
			return err
		}
		pkt := r.pkt
		fwd, err := f.check(pkt)
		if refused != nil && err == nil && header(pkt).proc != procConnectClose && header(pkt).prog != keepaliveProgram {
			err = refused // once refused, the connection only closes
		}
		if err != nil {
			// the call gets an error reply, which the source's libvirtd
			// reports as the migration's failure; the connection stays
			// until the source closes it, the rest refused alike
			if refused == nil {
				refused, linger = err, time.After(refusedLinger)
			}
			if h := header(pkt); h.typ == msgCall {
				wmu.Lock()
				_, werr := out.Write(errorReply(h, "the receiving node refused it: "+refused.Error()))
				wmu.Unlock()
				if werr != nil {
					return fmt.Errorf("refused: %w", refused)
				}
			}
			continue
		}
		if _, err := conn.Write(fwd); err != nil {
			return err
		}
	}
}

// refusedLinger is how long a refused connection is kept for the source
// to read its error and close it.
const refusedLinger = 10 * time.Second

// ownDefinition is the domain's definition as this node's libvirtd has it,
// in the form a migration carries (migratable): the domain must be
// defined, not running, and be name with uuid.
func ownDefinition(ctx context.Context, e endpoint, name, uuid string) (string, error) {
	return call(ctx, e, func(l *libvirt.Libvirt) (string, error) {
		dom, err := l.DomainLookupByName(name)
		if err != nil {
			return "", fmt.Errorf("domain %s: %w", name, err)
		}
		if formatUUID(dom.UUID) != uuid {
			return "", fmt.Errorf("domain %s here has UUID %s, not %s", name, formatUUID(dom.UUID), uuid)
		}
		st, _, err := l.DomainGetState(dom, 0)
		if err != nil {
			return "", err
		}
		if libvirt.DomainState(st) != libvirt.DomainShutoff && libvirt.DomainState(st) != libvirt.DomainCrashed {
			return "", fmt.Errorf("domain %s is not shut off here: nothing migrates over it", name)
		}
		return l.DomainGetXMLDesc(dom, libvirt.DomainXMLInactive|libvirt.DomainXMLMigratable)
	})
}

type packetHeader struct {
	prog, vers uint32
	proc, typ  int32
	serial     uint32
	status     int32
}

func header(p []byte) packetHeader {
	be := binary.BigEndian
	return packetHeader{prog: be.Uint32(p[4:]), vers: be.Uint32(p[8:]), proc: int32(be.Uint32(p[12:])), typ: int32(be.Uint32(p[16:])),
		serial: be.Uint32(p[20:]), status: int32(be.Uint32(p[24:]))}
}

// readPacket reads one whole packet, its length word included.
func readPacket(r io.Reader) ([]byte, error) {
	var lw [4]byte
	if _, err := io.ReadFull(r, lw[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(lw[:])
	if n < headerLen || n > packetMax {
		return nil, fmt.Errorf("a packet of %d bytes: not libvirt's RPC protocol", n)
	}
	p := make([]byte, n)
	copy(p, lw[:])
	if _, err := io.ReadFull(r, p[4:]); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	return p, nil
}

// filter is the relay's state: what the member may send next.
type filter struct {
	name, uuid string
	xml        string // this node's definition of the domain
	stream     uint32 // the serial of the accepted tunnelled prepare, 0 before
	prepared   bool
}

// check returns the packet to forward (p, or p rewritten) or why it is
// refused.
func (f *filter) check(p []byte) ([]byte, error) {
	h := header(p)
	switch {
	case h.prog == keepaliveProgram:
		return p, nil
	case h.prog != remoteProgram:
		return nil, fmt.Errorf("program %#x: only libvirt's remote program, as a migration uses it", h.prog)
	case h.typ == msgStream:
		if !f.prepared || h.serial != f.stream || h.proc != procPrepareTunnel3Params {
			return nil, fmt.Errorf("a stream of procedure %d: only the migration's own stream", h.proc)
		}
		return p, nil
	case h.typ != msgCall:
		return nil, fmt.Errorf("a packet of type %d: only calls, keepalives and the migration's stream", h.typ)
	}
	if _, ok := migrationCalls[h.proc]; !ok {
		return nil, fmt.Errorf("procedure %d: not one a migration destination is asked (%s receives %s only)", h.proc, f.name, "a live migration")
	}
	body := p[headerLen:]
	switch h.proc {
	case procConnectOpen:
		r := &xdrReader{b: body}
		name := ""
		if r.u32() != 0 { // XDR's optional: libvirtd takes any non-zero word as present
			name = string(r.opaque())
		}
		if r.u32(); r.err != nil || name != "qemu:///system" {
			return nil, fmt.Errorf("a connection to %q: only qemu:///system", name)
		}
	case procPrepareTunnel3Params:
		if f.prepared {
			return nil, errors.New("a second prepare on one connection")
		}
		nb, err := f.prepare(body)
		if err != nil {
			return nil, err
		}
		f.prepared, f.stream = true, h.serial
		return packet(p[:headerLen], nb), nil
	case procFinish3Params:
		if !f.prepared {
			return nil, errors.New("a finish without a prepare")
		}
		nb, err := f.finish(body)
		if err != nil {
			return nil, err
		}
		return packet(p[:headerLen], nb), nil
	}
	return p, nil
}

// packet writes a packet of head (length word and header) and body.
func packet(head, body []byte) []byte {
	out := make([]byte, 0, len(head)+len(body))
	out = append(out, head...)
	out = append(out, body...)
	binary.BigEndian.PutUint32(out, uint32(len(out)))
	return out
}

// prepare checks a tunnelled prepare's arguments (params, cookie, flags)
// and returns them with the destination XML replaced by this node's.
func (f *filter) prepare(body []byte) ([]byte, error) { return f.rewrite("prepare", body, 0) }

// finish checks a finish's arguments as prepare does (one more word
// after the flags: cancelled): the domain's own, its definition this
// node's.
func (f *filter) finish(body []byte) ([]byte, error) { return f.rewrite("finish", body, 1) }

// rewrite checks the arguments of a call that carries a migration's
// parameters, cookie, flags and tail more words, and writes them again
// with this node's definition in place of the one sent.
func (f *filter) rewrite(call string, body []byte, tail int) ([]byte, error) {
	r := &xdrReader{b: body}
	params, err := r.params()
	if err != nil {
		return nil, err
	}
	cookie := r.opaque()
	flags := r.u32()
	words := make([]uint32, tail)
	for i := range words {
		words[i] = r.u32()
	}
	if r.err != nil || r.i != len(body) {
		return nil, fmt.Errorf("a %s that does not parse", call)
	}
	if err := f.checkFlags(flags); err != nil {
		return nil, err
	}
	if err := f.own(params); err != nil {
		return nil, err
	}
	w := &xdrWriter{}
	w.params(params)
	w.opaque(cookie)
	w.u32(flags)
	for _, v := range words {
		w.u32(v)
	}
	return w.b, nil
}

// own checks a migration's parameters name the resource's domain, and
// puts this node's definition of it in place of the one sent.
func (f *filter) own(params []typedParam) error {
	var xmlIn string
	for i, p := range params {
		switch p.field {
		case paramDestXML:
			xmlIn = p.str
			params[i].str = f.xml
		case paramDestName:
			if p.str != f.name {
				return fmt.Errorf("a migration naming the domain %q here: only %s", p.str, f.name)
			}
		case paramPersistXML:
			return errors.New("a persistent definition sent along: this node keeps its own")
		}
	}
	if xmlIn == "" {
		return errors.New("a migration without the domain's definition")
	}
	var dom libvirtxml.Domain
	if err := dom.Unmarshal(xmlIn); err != nil {
		return fmt.Errorf("the domain's definition does not parse: %v", err)
	}
	if dom.Name != f.name || dom.UUID != f.uuid {
		return fmt.Errorf("a migration of the domain %s (%s): this node receives %s (%s) only, the domain of its copy of the resource", dom.Name, dom.UUID, f.name, f.uuid)
	}
	return nil
}

func (f *filter) checkFlags(flags uint32) error {
	if flags&uint32(libvirt.MigratePersistDest) != 0 {
		return errors.New("VIR_MIGRATE_PERSIST_DEST: this node keeps its own definition of the domain")
	}
	if flags&uint32(libvirt.MigrateTunnelled) == 0 {
		return errors.New("a migration that is not tunnelled")
	}
	if extra := flags &^ uint32(migrationFlags); extra != 0 {
		return fmt.Errorf("migration flags %#x: only live, peer-to-peer, tunnelled, change protection and auto-converge (no disk copy, no offline or post-copy migration)", extra)
	}
	return nil
}

// migrationFlags are the flags a migration into this node may carry: the
// driver's own, and what libvirt adds to a peer-to-peer one.
const migrationFlags = migrateFlags | libvirt.MigrateChangeProtection | libvirt.MigrateAutoConverge | libvirt.MigrateAbortOnError

// errorReply is a reply to call h carrying a libvirt error (remote_error):
// the source's libvirtd reports msg as the migration's failure.
func errorReply(h packetHeader, msg string) []byte {
	w := &xdrWriter{}
	for _, v := range []uint32{0, h.prog, h.vers, uint32(h.proc), msgReply, h.serial, statusError} {
		w.u32(v)
	}
	w.u32(uint32(libvirt.ErrOperationDenied)) // code
	w.u32(0)                                  // domain
	w.u32(1)                                  // message present
	w.str(msg)
	w.u32(uint32(libvirt.ErrError)) // level
	w.u32(0)                        // dom
	w.u32(0)                        // str1
	w.u32(0)                        // str2
	w.u32(0)                        // str3
	w.u32(0)                        // int1
	w.u32(0)                        // int2
	w.u32(0)                        // net
	binary.BigEndian.PutUint32(w.b, uint32(len(w.b)))
	return w.b
}

// typed parameters (remote_typed_param): a name, a type and a value.
type typedParam struct {
	field string
	typ   uint32
	num   uint64 // int, uint, llong, ullong, double's bits, boolean
	str   string
}

const (
	paramInt = iota + 1
	paramUint
	paramLlong
	paramUllong
	paramDouble
	paramBoolean
	paramString
)

// xdrReader reads XDR; the first error sticks.
type xdrReader struct {
	b   []byte
	i   int
	err error
}

func (r *xdrReader) u32() uint32 {
	if r.err != nil || r.i+4 > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.i:])
	r.i += 4
	return v
}

func (r *xdrReader) u64() uint64 { return uint64(r.u32())<<32 | uint64(r.u32()) }

func (r *xdrReader) opaque() []byte {
	n := int(r.u32())
	if r.err != nil || n < 0 || r.i+n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[r.i : r.i+n]
	r.i += (n + 3) &^ 3
	if r.i > len(r.b) {
		r.err = io.ErrUnexpectedEOF
	}
	return v
}

func (r *xdrReader) params() ([]typedParam, error) {
	n := r.u32()
	if n > 64 { // REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX
		return nil, fmt.Errorf("%d migration parameters", n)
	}
	var out []typedParam
	for range n {
		p := typedParam{field: string(r.opaque()), typ: r.u32()}
		switch p.typ {
		case paramInt, paramUint, paramBoolean:
			p.num = uint64(r.u32())
		case paramLlong, paramUllong, paramDouble:
			p.num = r.u64()
		case paramString:
			p.str = string(r.opaque())
		default:
			r.err = fmt.Errorf("a parameter of type %d", p.typ)
		}
		out = append(out, p)
	}
	if r.err != nil {
		return nil, fmt.Errorf("migration parameters: %v", r.err)
	}
	return out, nil
}

type xdrWriter struct{ b []byte }

func (w *xdrWriter) u32(v uint32) { w.b = binary.BigEndian.AppendUint32(w.b, v) }

func (w *xdrWriter) opaque(b []byte) {
	w.u32(uint32(len(b)))
	w.b = append(w.b, b...)
	for len(w.b)%4 != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *xdrWriter) str(s string) { w.opaque([]byte(s)) }

func (w *xdrWriter) params(ps []typedParam) {
	w.u32(uint32(len(ps)))
	for _, p := range ps {
		w.str(p.field)
		w.u32(p.typ)
		switch p.typ {
		case paramInt, paramUint, paramBoolean:
			w.u32(uint32(p.num))
		case paramLlong, paramUllong, paramDouble:
			w.u32(uint32(p.num >> 32))
			w.u32(uint32(p.num))
		case paramString:
			w.str(p.str)
		}
	}
}
