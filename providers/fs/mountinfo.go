package fs

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// mountinfoPath is the kernel's mount table for this process.
var mountinfoPath = "/proc/self/mountinfo"

// mount is one line of /proc/self/mountinfo.
type mount struct {
	major, minor uint32
	root         string // path inside the source filesystem (bind mounts)
	point        string
	fstype       string
	source       string
}

// readMounts parses the mount table, in mount order.
func readMounts() ([]mount, error) {
	b, err := os.ReadFile(mountinfoPath)
	if err != nil {
		return nil, err
	}
	return parseMountinfo(string(b))
}

// parseMountinfo reads lines like
//
//	43 27 7:0 / /tmp/m1 rw,relatime shared:1 - ext4 /dev/loop0 rw
//
// where a variable number of optional fields ends with "-".
func parseMountinfo(text string) ([]mount, error) {
	var out []mount
	for n, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 6 || sep < 0 || sep+2 >= len(f) {
			return nil, fmt.Errorf("mountinfo line %d is malformed: %q", n+1, line)
		}
		maj, min, ok := strings.Cut(f[2], ":")
		major, err1 := strconv.ParseUint(maj, 10, 32)
		minor, err2 := strconv.ParseUint(min, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("mountinfo line %d has a bad device %q", n+1, f[2])
		}
		out = append(out, mount{
			major: uint32(major), minor: uint32(minor),
			root: unescape(f[3]), point: unescape(f[4]),
			fstype: f[sep+1], source: unescape(f[sep+2]),
		})
	}
	return out, nil
}

// mountAt returns the mount visible at path: the last one mounted there.
func mountAt(mounts []mount, path string) (mount, bool) {
	for i := len(mounts) - 1; i >= 0; i-- {
		if mounts[i].point == path {
			return mounts[i], true
		}
	}
	return mount{}, false
}

var unescaper = strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)

// unescape decodes the octal escapes the kernel writes for blanks and
// backslashes in mountinfo paths.
func unescape(s string) string { return unescaper.Replace(s) }

// canonical resolves symlinks in path where it exists, so it compares with
// the kernel's spelling; a path that does not exist is only cleaned.
func canonical(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}
