package disklab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// MountDir returns the path of a mount point that does not exist yet, in a
// fresh temporary directory. At cleanup anything still mounted there is
// lazily unmounted, before the directory (and loop devices made earlier)
// are removed.
func MountDir(t testing.TB) string {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), Unique("mnt"))
	t.Cleanup(func() {
		for IsMounted(mnt) {
			if out, err := output("umount", "-l", mnt); err != nil {
				t.Errorf("disklab cleanup: umount -l %s: %v\n%s", mnt, err, out)
				return
			}
		}
	})
	return mnt
}

// IsMounted reports whether path is a mount point, from /proc/self/mountinfo.
func IsMounted(path string) bool {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && unescape(f[4]) == path {
			return true
		}
	}
	return false
}

// unescape decodes the octal escapes (\040 for a space) of mountinfo paths.
func unescape(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}
