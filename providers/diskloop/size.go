package diskloop

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeUnits are the suffixes ParseSize accepts, in powers of 1024. They are
// the subset GNU truncate reads the same way, so the logged command and the
// validated size agree.
var sizeUnits = map[byte]int64{
	'k': 1 << 10,
	'm': 1 << 20,
	'g': 1 << 30,
	't': 1 << 40,
}

// ParseSize reads a size such as "512k", "100m", "1G" or "4096" (bytes).
// Suffixes are case-insensitive powers of 1024.
func ParseSize(s string) (int64, error) {
	digits, mult := s, int64(1)
	if s != "" {
		if m, ok := sizeUnits[strings.ToLower(s[len(s)-1:])[0]]; ok {
			digits, mult = s[:len(s)-1], m
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n <= 0 || digits[0] == '+' {
		return 0, fmt.Errorf("invalid size %q: want a positive number with an optional k, m, g or t suffix, like \"100m\"", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return n * mult, nil
}

// canonicalSize is s with an upper-case suffix, the spelling truncate(1)
// documents.
func canonicalSize(s string) string { return strings.ToUpper(s) }
