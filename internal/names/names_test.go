package names

import "testing"

func TestServiceNames(t *testing.T) {
	for _, s := range []string{"web", "web-1", "a.b_c", "9"} {
		if err := CheckService(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"", "../../x/evil", "..", ".hidden", "a/b", "a b", "-x", "a\x00b"} {
		if CheckService(s) == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
