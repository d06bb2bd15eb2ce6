package fs

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/omhcl/omhcl/providers"
	"github.com/omhcl/omhcl/testfixtures/disklab"
	"github.com/zclconf/go-cty/cty"
)

func TestTypesRegistered(t *testing.T) {
	if spec, ok := providers.Lookup("fs", ""); !ok || spec.Type != "ext4" {
		t.Errorf("default fs type = %v, want ext4", spec)
	}
	want := []string{"btrfs", "ext2", "ext3", "ext4", "none", "tmpfs", "vfat", "xfs"}
	if got := providers.Types("fs"); !slices.Equal(got, want) {
		t.Errorf("fs types = %q, want %q", got, want)
	}
	if spec, _ := providers.Lookup("fs", "tmpfs"); spec.Provisionable {
		t.Error("tmpfs should have nothing to provision")
	}
}

func TestNewRejectsBadAttrs(t *testing.T) {
	for name, tc := range map[string]struct {
		typ   string
		attrs map[string]cty.Value
		want  string
	}{
		"no mnt":         {"ext4", strs("dev", "/dev/loop0"), "mnt is required"},
		"root mnt":       {"ext4", strs("dev", "/dev/loop0", "mnt", "/"), "cannot be /"},
		"relative mnt":   {"ext4", strs("dev", "/dev/loop0", "mnt", "srv/app"), "absolute"},
		"no dev":         {"xfs", strs("mnt", "/srv/app"), "dev is required"},
		"relative dev":   {"ext4", strs("dev", "loop0", "mnt", "/srv/app"), "absolute"},
		"bad perm":       {"tmpfs", strs("mnt", "/srv/app", "perm", "rwx"), "octal"},
		"option as user": {"tmpfs", strs("mnt", "/srv/app", "user", "--recursive"), "user"},
	} {
		spec, _ := providers.Lookup("fs", tc.typ)
		_, err := spec.New(&providers.Resource{Kind: "fs", Type: tc.typ, Name: "app", Attrs: tc.attrs})
		if err == nil || !strings.Contains(err.Error(), "fs#app") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want an fs#app error about %q", name, err, tc.want)
		}
	}
}

// TestPlanningWithUnknownDev is a filesystem on a loop device not attached
// yet: its device is known only after apply.
func TestPlanningWithUnknownDev(t *testing.T) {
	mnt := t.TempDir() + "/app"
	attrs := strs("mnt", mnt)
	attrs["dev"] = cty.UnknownVal(cty.String)
	attrs["mkfs_opt"] = cty.ListVal([]cty.Value{cty.StringVal("-L"), cty.StringVal("app")})
	d := newFS(t, "ext4", attrs)
	wantState(t, d, providers.Down)
	disklab.CheckOps(t, d, "at planning", map[providers.Action][]string{
		providers.ActStart:       {"mkdir -p " + mnt, "e2fsck -p (known after apply)", "mount -t ext4 (known after apply) " + mnt},
		providers.ActStop:        {"umount " + mnt + " (retried while busy)"},
		providers.ActProvision:   {"mkfs.ext4 -F -q -L app (known after apply) (skipped when the device already holds a filesystem)"},
		providers.ActUnprovision: {"wipefs -a (known after apply)"},
	})
	if got := d.Describe(); got != "ext4 (known after apply)@"+mnt {
		t.Errorf("Describe = %q", got)
	}

	attrs["mnt"] = cty.UnknownVal(cty.String)
	d = newFS(t, "ext4", attrs)
	if st := wantState(t, d, providers.Down); len(st.Messages) == 0 {
		t.Error("no message for an unknown mount point")
	}
}

func TestCheckFalseSkipsFsck(t *testing.T) {
	attrs := strs("dev", "/dev/vg/app", "mnt", "/srv/x"+t.Name(), "mnt_opt", "noatime")
	attrs["check"] = cty.False
	d := newFS(t, "ext4", attrs)
	want := []string{"mkdir -p /srv/x" + t.Name(), "mount -t ext4 -o noatime /dev/vg/app /srv/x" + t.Name()}
	if ops := d.Operations(context.Background(), providers.ActStart); !slices.Equal(ops, want) {
		t.Errorf("start operations = %q, want %q", ops, want)
	}
}

func TestBindAddsBindOption(t *testing.T) {
	for opts, want := range map[string]string{"": "bind", "ro": "bind,ro", "rbind,ro": "rbind,ro", "bind": "bind"} {
		d := newFS(t, "none", strs("dev", "/srv/src", "mnt", "/srv/dst", "mnt_opt", opts))
		if got := d.mountOptions(); got != want {
			t.Errorf("mnt_opt %q: options %q, want %q", opts, got, want)
		}
	}
}

// TestNilContext: a planner passing a nil context gets operations, not a
// panic.
func TestNilContext(t *testing.T) {
	d := newFS(t, "ext4", strs("dev", "/dev/null", "mnt", "/srv/x"))
	_ = d.Operations(nil, providers.ActProvision) //nolint:staticcheck
}
