package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"

	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/providers"
	"github.com/zclconf/go-cty/cty"
)

// changedAttrs lists the attributes whose desired value differs from the
// applied one. An unknown desired value counts as changed: it may differ.
// Without an applied record nothing can be compared: the resource was
// started outside the engine and is adopted as it is.
func changedAttrs(applied *Values, want map[string]cty.Value) []string {
	if applied == nil {
		return nil
	}
	var out []string
	for k, v := range want {
		if v == cty.NilVal {
			continue
		}
		old, ok := (*applied)[k]
		switch {
		case !v.IsWhollyKnown():
			out = append(out, k)
		case !ok:
			if !v.IsNull() {
				out = append(out, k)
			}
		case !equalValues(old, v):
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func allInPlace(spec *providers.Spec, names []string) bool {
	for _, n := range names {
		inPlace := false
		for _, a := range spec.Attrs {
			if a.Name == n {
				inPlace = a.InPlace
			}
		}
		if !inPlace {
			return false
		}
	}
	return true
}

func joinWords(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Fingerprint hashes what a plan depends on in the live state: status,
// provisioned flags, exposed and applied values. Messages and descriptions
// are left out: they do not change what the plan does.
//
// The services' records are written in parallel, a batch at a time, and
// hashed in order.
func Fingerprint(lives []*LiveInstance) string {
	h := sha256.New()
	var bufs [fingerprintBatch][]byte
	for from := 0; from < len(lives); from += fingerprintBatch {
		batch := lives[from:min(from+fingerprintBatch, len(lives))]
		parallel.For(len(batch), func(i int) {
			bufs[i] = bufs[i][:0]
			if batch[i] != nil {
				bufs[i] = append(appendFingerprint(bufs[i], batch[i]), 0)
			}
		})
		for i := range batch {
			h.Write(bufs[i])
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintBatch is how many services' records Fingerprint holds at once.
const fingerprintBatch = 256
