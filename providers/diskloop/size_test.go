package diskloop

import "testing"

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"4096": 4096,
		"512k": 512 << 10,
		"100m": 100 << 20,
		"100M": 100 << 20,
		"1g":   1 << 30,
		"2T":   2 << 40,
	}
	for in, want := range good {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "m", "0", "-1m", "+1m", "1.5g", "10x", "1mb", "99999999999999t", " 1m"} {
		if n, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", in, n)
		}
	}
}

func TestLoopNumberSortsNumerically(t *testing.T) {
	if loopNumber("/dev/loop10") != 10 || loopNumber("/dev/loop2") != 2 || loopNumber("/dev/sda") != -1 {
		t.Fatalf("loopNumber misreads device names")
	}
}
