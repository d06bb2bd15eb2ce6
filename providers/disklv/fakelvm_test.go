package disklv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
)

// fakeLVM stands in for the LVM tools where this kernel cannot go: it keeps
// the lv_attr of each volume, answers lvs like LVM does and applies the
// commands the driver runs, recording them.
type fakeLVM struct {
	t     *testing.T
	vgs   map[string]bool
	attrs map[string]string // "vg/lv" -> lv_attr
	ran   []string
	// fail makes a command line fail with this message, as LVM without
	// device-mapper does.
	fail map[string]string
}

func newFakeLVM(t *testing.T, vgs ...string) *fakeLVM {
	f := &fakeLVM{t: t, vgs: map[string]bool{}, attrs: map[string]string{}, fail: map[string]string{}}
	for _, vg := range vgs {
		f.vgs[vg] = true
	}
	return f
}

func (f *fakeLVM) probe(ctx context.Context, argv ...string) (string, error) {
	if len(argv) != 5 || strings.Join(argv[:4], " ") != "lvs --noheadings -o lv_attr" {
		f.t.Fatalf("unexpected probe %q", argv)
	}
	path := argv[4]
	vg, _, _ := strings.Cut(path, "/")
	if !f.vgs[vg] {
		return "", fmt.Errorf("lvs: exit status 5: Volume group %q not found", vg)
	}
	attr, ok := f.attrs[path]
	if !ok {
		return "", fmt.Errorf("lvs: exit status 5: Failed to find logical volume %q", path)
	}
	return "  " + attr + " \n", nil
}

func (f *fakeLVM) run(ctx context.Context, log *providers.Log, argv ...string) (string, error) {
	line := strings.Join(argv, " ")
	log.Op("%s", line)
	f.ran = append(f.ran, line)
	if msg, ok := f.fail[line]; ok {
		return msg, fmt.Errorf("%s: exit status 5: %s", argv[0], msg)
	}
	switch {
	case argv[0] == "lvcreate" && len(argv) == 6:
		f.attrs[argv[5]+"/"+argv[2]] = "-wi-a-----"
	case argv[0] == "lvchange" && len(argv) == 4:
		f.setActive(argv[3], argv[2] == "y")
	case argv[0] == "lvremove" && len(argv) == 3:
		delete(f.attrs, argv[2])
	default:
		f.t.Fatalf("unexpected command %q", line)
	}
	return "", nil
}

func (f *fakeLVM) setActive(path string, on bool) {
	attr := []byte(f.attrs[path])
	if on {
		attr[4] = 'a'
	} else {
		attr[4] = '-'
	}
	f.attrs[path] = string(attr)
}

// takeRan returns and forgets the commands run so far.
func (f *fakeLVM) takeRan() []string {
	ran := f.ran
	f.ran = nil
	return ran
}
