package providers

import "strings"

// PlainName reports whether s is safe as a name a driver puts in a path,
// a config line, an XML attribute and a host name: letters, digits, '.',
// '_' and '-', not "." nor "..", not starting with '-', at most 200
// bytes.
func PlainName(s string) bool {
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, "-") || len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
