package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The receiving end of an rsync sync, and nothing that reaches past its
// destination: another destination, a log file, a backup or temp
// directory elsewhere.
func TestRsyncServerArgv(t *testing.T) {
	good := []string{"rsync", "--server", "-lHogDtprSe.iLsfxCIvu", "--timeout=120", "--bwlimit=16384", "--delete", "--stats", ".", "/srv/data/"}
	if dst, err := rsyncServerDest(good); err != nil || dst != "/srv/data" {
		t.Fatalf("the driver's own argv: %q %v", dst, err)
	}
	for _, bad := range [][]string{
		{"rsync", "--server", "-a", ".", "/elsewhere/", "/srv/data/"},
		{"rsync", "--server", "-a", "--log-file=/etc/x", ".", "/srv/data/"},
		{"rsync", "--server", "-a", "--backup-dir", "/etc", ".", "/srv/data/"},
		{"rsync", "--server", "-a", "--temp-dir=/etc", ".", "/srv/data/"},
		{"rsync", "--server", "--sender", "-a", ".", "/srv/data/"},
		{"rsync", "--server", "-a", ".", "relative"},
		{"rsync", "-a", ".", "/srv/data/"},
		{"sh", "-c", "id"},
	} {
		if _, err := rsyncServerDest(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A symbolic link in the destination leads elsewhere: resolved says
// where, also for a path below it not made yet.
func TestResolvedFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	dst, out := filepath.Join(dir, "dst"), filepath.Join(dir, "out")
	os.MkdirAll(dst, 0o755)
	os.MkdirAll(out, 0o755)
	os.Symlink(out, filepath.Join(dst, "evil"))
	if got := resolved(filepath.Join(dst, "evil", "new", "file")); !strings.HasPrefix(got, out) || within(got, resolved(dst)) {
		t.Errorf("resolved through the link: %s", got)
	}
	if got := resolved(filepath.Join(dst, "plain", "new")); !within(got, resolved(dst)) {
		t.Errorf("a path not made yet below dst: %s", got)
	}
}
