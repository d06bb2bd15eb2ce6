package vmlab

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"
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

// libvirtPingTimeout bounds Ping: a libvirtd that hangs is no answer.
const libvirtPingTimeout = 5 * time.Second

// Ping opens qemu:///system on the libvirtd socket, as a client does
// first, and closes it: it says whether libvirtd and its QEMU driver
// answer, without virsh. go-libvirt's calls take no deadline: one that
// outlives libvirtPingTimeout is given up, its connection closed.
func Ping(socket string) error {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(socket), dialers.WithLocalTimeout(libvirtPingTimeout)))
	done := make(chan error, 1)
	go func() {
		err := l.ConnectToURI(libvirt.QEMUSystem)
		if err == nil {
			err = l.Disconnect()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(libvirtPingTimeout):
		go l.Disconnect()
		return fmt.Errorf("no answer within %s", libvirtPingTimeout)
	}
}
