package plan

import (
	"encoding/json"
	"strconv"

	"github.com/omhcl/omhcl/providers"
)

// fingerprintRecord is what Fingerprint hashes of one service: its JSON,
// as encoding/json writes it.
type fingerprintRecord struct {
	Service string
	Frozen  bool
	R       []fingerprintResource
}

type fingerprintResource struct {
	RID         string
	Status      providers.State
	Provisioned bool
	Exists      bool     `json:",omitempty"`
	Drift       []string `json:",omitempty"`
	Exposed     Values
	Applied     *Values
}

// appendFingerprint appends the JSON of li's fingerprintRecord, written
// directly: byte for byte what json.Marshal writes, which stays the path
// for values the direct encoder leaves to cty.
func appendFingerprint(out []byte, li *LiveInstance) []byte {
	start := len(out)
	out = append(out, `{"Service":`...)
	out = appendJSONString(out, li.Service)
	out = append(out, `,"Frozen":`...)
	out = strconv.AppendBool(out, li.Frozen)
	out = append(out, `,"R":[`...)
	for i, r := range li.Resources {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"RID":`...)
		out = appendJSONString(out, r.RID)
		out = append(out, `,"Status":`...)
		out = appendJSONString(out, string(r.Status))
		out = append(out, `,"Provisioned":`...)
		out = strconv.AppendBool(out, r.Provisioned)
		if r.Exists {
			out = append(out, `,"Exists":true`...)
		}
		if len(r.Drift) > 0 { // a drifted resource is replaced
			out = append(out, `,"Drift":[`...)
			for i, a := range r.Drift {
				if i > 0 {
					out = append(out, ',')
				}
				out = appendJSONString(out, a)
			}
			out = append(out, ']')
		}
		out = append(out, `,"Exposed":`...)
		var err error
		if out, err = r.Exposed.appendJSON(out); err != nil {
			return append(out[:start], fingerprintJSON(li)...)
		}
		out = append(out, `,"Applied":`...)
		if r.Applied == nil {
			out = append(out, "null"...)
		} else if out, err = r.Applied.appendJSON(out); err != nil {
			return append(out[:start], fingerprintJSON(li)...)
		}
		out = append(out, '}')
	}
	return append(out, "]}"...)
}

// fingerprintJSON is the reference encoding (nothing when it fails).
func fingerprintJSON(li *LiveInstance) []byte {
	rec := fingerprintRecord{Service: li.Service, Frozen: li.Frozen, R: make([]fingerprintResource, 0, len(li.Resources))}
	for _, r := range li.Resources {
		rec.R = append(rec.R, fingerprintResource{r.RID, r.Status, r.Provisioned, r.Exists, r.Drift, r.Exposed, r.Applied})
	}
	b, _ := json.Marshal(rec)
	return b
}
