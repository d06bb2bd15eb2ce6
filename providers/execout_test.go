package providers

import (
	"strings"
	"testing"
)

// A capped buffer keeps up to its cap; the write past it fails, stops
// the command once, and the stream's error says what happened.
func TestCappedBuffer(t *testing.T) {
	stops := 0
	out, errb := ExecStreams(func() { stops++ })
	out.Max, errb.Max = 8, 8
	if n, err := out.Write([]byte("12345678")); n != 8 || err != nil {
		t.Fatalf("a write up to the cap: %d, %v", n, err)
	}
	if ExecOverflow(out, errb) != nil {
		t.Fatal("an overflow reported at the cap")
	}
	if _, err := out.Write([]byte("9")); err == nil {
		t.Fatal("a write past the cap succeeded")
	}
	errb.Write([]byte("123456789"))
	out.Write([]byte("more"))
	if stops != 1 {
		t.Errorf("the command was stopped %d times, want once", stops)
	}
	err := ExecOverflow(out, errb)
	if err == nil || err.Error() != "the command wrote stdout over 8 bytes: stopped, its output dropped" {
		t.Errorf("overflow error %v", err)
	}
	if e := errb.Err("stderr"); e == nil || !strings.Contains(e.Error(), "stderr over 8 bytes") {
		t.Errorf("stderr overflow: %v", e)
	}
	if ExecOutputMax != 1<<20 || !strings.Contains((&CappedBuffer{Max: ExecOutputMax, over: true}).Err("stdout").Error(), "over 1 MiB") {
		t.Error("the cap is 1 MiB, named so")
	}
}
