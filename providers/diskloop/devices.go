package diskloop

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// sysBlock is where the kernel lists loop devices; a variable so tests of
// the parsing can point it elsewhere.
var sysBlock = "/sys/block"

// attachedDevices returns the loop devices backed by file, sorted by
// number. It reads sysfs rather than running losetup so status probes stay
// cheap, and compares files by identity (device and inode) so a symlinked or
// differently spelled path still matches.
func attachedDevices(file string) ([]string, error) {
	want, err := os.Stat(file)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(sysBlock, "loop*", "loop", "backing_file"))
	if err != nil {
		return nil, err
	}
	var devs []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // detached while we looked
		}
		backing := strings.TrimSuffix(string(b), "\n")
		if strings.HasSuffix(backing, " (deleted)") {
			continue
		}
		if st, err := os.Stat(backing); err == nil && os.SameFile(st, want) {
			devs = append(devs, "/dev/"+filepath.Base(filepath.Dir(filepath.Dir(p))))
		}
	}
	sort.Slice(devs, func(i, j int) bool { return loopNumber(devs[i]) < loopNumber(devs[j]) })
	return devs, nil
}

// loopNumber is N in /dev/loopN, -1 when the name has no number.
func loopNumber(dev string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dev), "loop"))
	if err != nil {
		return -1
	}
	return n
}
