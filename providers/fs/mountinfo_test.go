package fs

import (
	"strings"
	"testing"
)

func TestParseMountinfo(t *testing.T) {
	text := `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
43 22 7:0 / /srv/my\040app rw,relatime shared:20 master:3 - ext4 /dev/loop0 rw
44 22 0:30 / /run/x rw - tmpfs tmpfs rw,size=1024k
45 22 8:1 /data/src /mnt/bind rw - ext4 /dev/sda1 rw
46 22 7:1 / /srv/my\040app rw - xfs /dev/loop1 rw
`
	ms, err := parseMountinfo(text)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 5 {
		t.Fatalf("parsed %d mounts, want 5", len(ms))
	}
	m, ok := mountAt(ms, "/srv/my app")
	if !ok || m.source != "/dev/loop1" || m.major != 7 || m.minor != 1 || m.fstype != "xfs" {
		t.Errorf("mountAt(/srv/my app) = %+v, %v: want the last mount, /dev/loop1", m, ok)
	}
	if m, _ := mountAt(ms, "/mnt/bind"); m.root != "/data/src" {
		t.Errorf("bind root = %q", m.root)
	}
	if _, ok := mountAt(ms, "/srv"); ok {
		t.Error("found a mount at /srv")
	}
	for _, bad := range []string{"1 2 3", "43 22 7:x / /a rw - ext4 /dev/l rw", "43 22 7:0 / /a rw ext4 /dev/l rw"} {
		if _, err := parseMountinfo(bad); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("parseMountinfo(%q) = %v, want a line 1 error", bad, err)
		}
	}
}
