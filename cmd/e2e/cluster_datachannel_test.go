package e2e

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/testfixtures/clusterlab"
)

// The cluster's data channel (peerssh): rsync on node1 uses `om node ssh`
// as its remote shell, and node2's daemon runs the receiving rsync, over
// SSH keyed by the cluster secret, on node2's peer port in its network
// namespace. Anything but rsync --server is refused there.
func TestClusterDataChannelCarriesRsync(t *testing.T) {
	lab := clusterlab.New(t, 3, clusterlab.Options{BinDir: binDir, Profile: "fast"})
	lab.WaitDaemons()
	lab.Join()
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "copy")
	data := make([]byte, 1<<20)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(src, "blob"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("blob", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	om := filepath.Join(binDir, "om")
	lab.Must("node1", "rsync", "-a", "-e", om+" node ssh", src+"/", "node2:"+dst+"/")
	got, err := os.ReadFile(filepath.Join(dst, "blob"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the copy through the data channel: %v (%d bytes, equal %v)", err, len(got), bytes.Equal(got, data))
	}
	if l, err := os.Readlink(filepath.Join(dst, "link")); err != nil || l != "blob" {
		t.Errorf("the symlink: %q %v", l, err)
	}
	r := lab.Run("node1", "om", "node", "ssh", "node2", "touch", filepath.Join(dst, "pwned"))
	if r.Code != 126 || !strings.Contains(r.Stderr, "only rsync --server") {
		t.Errorf("a command other than rsync --server: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dst, "pwned")); err == nil {
		t.Error("the refused command ran")
	}
	r = lab.Run("node1", "om", "node", "ssh", "node9", "rsync", "--server")
	if r.Code == 0 || !strings.Contains(r.Stderr, "node node9: no address known") {
		t.Errorf("an unknown node: %+v", r)
	}
}
