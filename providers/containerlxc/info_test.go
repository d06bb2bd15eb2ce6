package containerlxc

import "testing"

func TestParseInfo(t *testing.T) {
	for _, c := range []struct {
		out   string
		want  info
		isErr bool
	}{
		{"State:          RUNNING\nPID:            22553\n", info{"RUNNING", 22553}, false},
		{"State:          STOPPED\n", info{"STOPPED", 0}, false},
		{"RUNNING\n22553\n", info{"RUNNING", 22553}, false},
		{"STOPPED", info{"STOPPED", 0}, false},
		{"", info{}, true},
		{"PID: 12\n", info{}, true},
		{"State: RUNNING\nPID: -4\n", info{}, true},
		{"State: RUNNING\nPID: 99999999999999999999\n", info{}, true},
		{"garbage: ::: \x00\nstate:\n", info{}, true},
	} {
		got, err := parseInfo(c.out)
		if (err != nil) != c.isErr || got != c.want {
			t.Errorf("parseInfo(%q) = %+v, %v; want %+v, error %v", c.out, got, err, c.want, c.isErr)
		}
	}
}

func TestRewriteConfigIdempotent(t *testing.T) {
	orig := "lxc.rootfs.path = dir:/x/rootfs\nlxc.uts.name = \"c1\"\nlxc.tty.max = 5\n"
	keys := managedKeys("web1", map[string]string{"lxc.tty.max": "2"})
	once := rewriteConfig(orig, keys)
	want := "lxc.rootfs.path = dir:/x/rootfs\n" + managedMark + "\nlxc.net.0.type = empty\nlxc.uts.name = web1\nlxc.tty.max = 2\n"
	if once != want {
		t.Fatalf("rewrite =\n%s\nwant\n%s", once, want)
	}
	if twice := rewriteConfig(once, keys); twice != once {
		t.Errorf("second rewrite changed the config:\n%s", twice)
	}
	// a key dropped from the config map leaves the file
	if got := rewriteConfig(once, managedKeys("", nil)); got != "lxc.rootfs.path = dir:/x/rootfs\n"+managedMark+"\nlxc.net.0.type = empty\n" {
		t.Errorf("rewrite without keys =\n%s", got)
	}
	if v := configValue(once, "lxc.uts.name"); v != "web1" {
		t.Errorf("configValue = %q", v)
	}
}

func TestOwnNetworkDropsEmpty(t *testing.T) {
	keys := managedKeys("", map[string]string{"lxc.net.0.type": "veth", "lxc.net.0.link": "br0"})
	for _, kv := range keys {
		if kv.Value == "empty" {
			t.Errorf("lxc.net.0.type = empty set although the config map has lxc.net keys: %v", keys)
		}
	}
}
