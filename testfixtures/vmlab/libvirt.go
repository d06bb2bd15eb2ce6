package vmlab

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// RequireLibvirt skips t unless it runs as root, the host's libvirtd
// answers on Socket (a connection to qemu:///system opens), and the test
// guest can be built here.
func RequireLibvirt(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: libvirt's qemu:///system is root's")
	}
	if err := Ping(Socket); err != nil {
		t.Skipf("libvirtd does not answer on %s (scripts/setup.sh starts it, as root): %v", Socket, err)
	}
	if why := missingInputs(); why != "" {
		t.Skip(why)
	}
}

// libvirt's remote protocol: a call is a header of six XDR words after the
// length word, then the arguments.
const (
	remoteProgram      = 0x20008086
	remoteVersion      = 1
	procConnectOpen    = 1
	procConnectClose   = 2
	procAuthPolkit     = 60
	procAuthList       = 66
	authPolkit         = 2
	msgCall            = 0
	msgReply           = 1
	statusOK           = 0
	libvirtPingTimeout = 5 * time.Second
)

// Ping opens qemu:///system on the libvirtd socket, as a client does
// first, and closes it: it says whether libvirtd and its QEMU driver
// answer, without virsh or a client library.
func Ping(socket string) error {
	conn, err := net.DialTimeout("unix", socket, libvirtPingTimeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(libvirtPingTimeout))

	// A client lists the auth types first, even when none is needed, and
	// goes through polkit's when the socket asks it (Debian's default:
	// libvirtd grants root without asking polkitd).
	auths, err := libvirtCall(conn, procAuthList, 1, nil)
	if err != nil {
		return fmt.Errorf("auth list: %w", err)
	}
	if len(auths) >= 4 {
		for i, n := 0, binary.BigEndian.Uint32(auths); i < int(n) && 8+4*i <= len(auths); i++ {
			if binary.BigEndian.Uint32(auths[4+4*i:]) == authPolkit {
				if _, err := libvirtCall(conn, procAuthPolkit, 2, nil); err != nil {
					return fmt.Errorf("polkit auth: %w", err)
				}
			}
		}
	}

	// connect_open: a present optional string (1, length, bytes padded to
	// 4), then the flags.
	uri := "qemu:///system"
	args := binary.BigEndian.AppendUint32(nil, 1)
	args = binary.BigEndian.AppendUint32(args, uint32(len(uri)))
	args = append(args, uri...)
	for len(args)%4 != 0 {
		args = append(args, 0)
	}
	args = binary.BigEndian.AppendUint32(args, 0)
	if _, err := libvirtCall(conn, procConnectOpen, 3, args); err != nil {
		return fmt.Errorf("open qemu:///system: %w", err)
	}
	if _, err := libvirtCall(conn, procConnectClose, 4, nil); err != nil {
		return fmt.Errorf("close qemu:///system: %w", err)
	}
	return nil
}

// libvirtCall sends a call and returns its reply's body.
func libvirtCall(conn net.Conn, proc, serial uint32, args []byte) ([]byte, error) {
	msg := make([]byte, 0, 28+len(args))
	msg = binary.BigEndian.AppendUint32(msg, uint32(28+len(args)))
	for _, w := range []uint32{remoteProgram, remoteVersion, proc, msgCall, serial, statusOK} {
		msg = binary.BigEndian.AppendUint32(msg, w)
	}
	msg = append(msg, args...)
	if _, err := conn.Write(msg); err != nil {
		return nil, err
	}
	var head [28]byte
	if _, err := io.ReadFull(conn, head[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(head[0:])
	if n < 28 || n > 1<<22 {
		return nil, fmt.Errorf("reply of %d bytes", n)
	}
	body := make([]byte, n-28)
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, err
	}
	word := func(i int) uint32 { return binary.BigEndian.Uint32(head[4*i:]) }
	if word(1) != remoteProgram || word(3) != proc || word(4) != msgReply || word(5) != serial {
		return nil, fmt.Errorf("unexpected reply header % x", head)
	}
	if word(6) != statusOK {
		return nil, fmt.Errorf("error reply: %s", errorMessage(body))
	}
	return body, nil
}

// errorMessage is the message of a remote_error body: code, domain, then
// the optional message string.
func errorMessage(body []byte) string {
	if len(body) < 16 || binary.BigEndian.Uint32(body[8:]) == 0 {
		return "no message"
	}
	n := binary.BigEndian.Uint32(body[12:])
	if int(n) > len(body)-16 {
		return "no message"
	}
	return string(body[16 : 16+n])
}
