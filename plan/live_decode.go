package plan

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"

	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/providers"
)

// UnmarshalJSON decodes a live state document (om status --json, a
// snapshot): what encoding/json decodes of it, field for field. A snapshot
// holds thousands of services: they are read directly, in parallel.
// Anything the direct reader is not sure to read alike (a key it does not
// know or spelled in another case, a repeated key, a null where a list of
// objects is expected, a number that is no integer) sends the whole
// document to encoding/json, as does a Live that is not empty.
func (l *Live) UnmarshalJSON(b []byte) error {
	if l.FormatVersion == "" && l.Node == "" && l.Services == nil {
		if fast, ok := decodeLive(b); ok {
			*l = *fast
			return nil
		}
	}
	err := json.Unmarshal(b, (*liveDocument)(l))
	if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) {
		// as if Live had no UnmarshalJSON
		if te.Struct == "liveDocument" {
			te.Struct = "Live"
		}
		if te.Type == reflect.TypeFor[liveDocument]() {
			te.Type = reflect.TypeFor[Live]()
		}
	}
	return err
}

// liveDocument is Live without its UnmarshalJSON.
type liveDocument Live

func decodeLive(b []byte) (*Live, bool) {
	d := &valueDecoder{b: b}
	l := &Live{}
	var elems [][]byte // the services, each as written
	services, ok := d.liveTop(&l.FormatVersion, &l.Node, func() bool {
		raw, ok := d.skip()
		elems = append(elems, raw)
		return ok
	})
	if !ok {
		return nil, false
	}
	if services {
		l.Services = make([]*LiveInstance, len(elems))
	}
	bad := make([]bool, len(elems))
	parallel.For(len(elems), func(i int) {
		ed := &valueDecoder{b: elems[i]}
		if ed.null() {
			return // a null element stays nil
		}
		li := &LiveInstance{}
		bad[i] = !ed.liveInstance(li) || ed.end() != nil
		l.Services[i] = li
	})
	for _, b := range bad {
		if b {
			return nil, false
		}
	}
	return l, true
}

// liveTop reads a live document's top object, its version and node into
// version and node, each of its services with element (which reads one
// at d); services says whether the document has them (not null).
func (d *valueDecoder) liveTop(version, node *string, element func() bool) (services, ok bool) {
	ok = d.fields(func(key []byte) int {
		switch string(key) {
		case "format_version":
			return boolField(0, d.str(version))
		case "node":
			return boolField(1, d.str(node))
		case "services":
			if d.null() {
				return 2
			}
			services = true
			return boolField(2, d.elements(element))
		}
		return -1
	})
	return services, ok && d.end() == nil
}

// boolField is the index of a field read well, -1 otherwise.
func boolField(i int, ok bool) int {
	if ok {
		return i
	}
	return -1
}

func (d *valueDecoder) liveInstance(li *LiveInstance) bool {
	return d.fields(func(key []byte) int {
		switch string(key) {
		case "service":
			return boolField(0, d.str(&li.Service))
		case "node":
			return boolField(1, d.str(&li.Node))
		case "status":
			return boolField(2, d.state(&li.Status))
		case "role":
			return boolField(3, d.str(&li.Role))
		case "provisioned":
			return boolField(4, d.boolean(&li.Provisioned))
		case "frozen":
			return boolField(5, d.boolean(&li.Frozen))
		case "generation":
			return boolField(6, d.int64(&li.Generation))
		case "resources":
			return boolField(7, d.liveResources(&li.Resources))
		case "strays":
			return boolField(8, d.strings(&li.Strays))
		case "config_sync":
			if d.null() {
				return 9
			}
			li.ConfigSync = &LiveResource{}
			return boolField(9, d.liveResource(li.ConfigSync))
		}
		return -1
	})
}

// liveResources reads a list of resources; a null element goes to
// encoding/json.
func (d *valueDecoder) liveResources(p *[]*LiveResource) bool {
	if d.null() {
		*p = nil
		return true
	}
	list := []*LiveResource{}
	ok := d.elements(func() bool {
		r := &LiveResource{}
		list = append(list, r)
		return d.liveResource(r)
	})
	*p = list
	return ok
}

func (d *valueDecoder) liveResource(r *LiveResource) bool {
	return d.fields(func(key []byte) int {
		switch string(key) {
		case "rid":
			return boolField(0, d.str(&r.RID))
		case "kind":
			return boolField(1, d.str(&r.Kind))
		case "type":
			return boolField(2, d.str(&r.Type))
		case "status":
			return boolField(3, d.state(&r.Status))
		case "messages":
			return boolField(4, d.strings(&r.Messages))
		case "description":
			return boolField(5, d.str(&r.Description))
		case "flags":
			return boolField(6, d.str(&r.Flags))
		case "provisioned":
			return boolField(7, d.boolean(&r.Provisioned))
		case "exists":
			return boolField(8, d.boolean(&r.Exists))
		case "drift":
			return boolField(9, d.strings(&r.Drift))
		case "remnant":
			return boolField(10, d.str(&r.Remnant))
		case "provisionable":
			return boolField(11, d.boolean(&r.Provisionable))
		case "arms":
			return boolField(12, d.boolean(&r.Arms))
		case "disable":
			return boolField(13, d.boolean(&r.Disable))
		case "optional":
			return boolField(14, d.boolean(&r.Optional))
		case "monitor":
			return boolField(15, d.boolean(&r.Monitor))
		case "encap":
			return boolField(16, d.boolean(&r.Encap))
		case "standby":
			return boolField(17, d.boolean(&r.Standby))
		case "restart":
			var n int64
			ok := d.int64(&n) && int64(int(n)) == n
			r.Restart = int(n)
			return boolField(18, ok)
		case "skipped":
			return boolField(19, d.str(&r.Skipped))
		case "orphan":
			return boolField(20, d.boolean(&r.Orphan))
		case "exposed":
			// encoding/json hands Values even a null
			raw, ok := d.skip()
			return boolField(21, ok && r.Exposed.UnmarshalJSON(raw) == nil)
		case "applied":
			if d.null() {
				return 22
			}
			raw, ok := d.skip()
			r.Applied = &Values{}
			return boolField(22, ok && r.Applied.UnmarshalJSON(raw) == nil)
		case "inside":
			if d.null() {
				return 23
			}
			raw, ok := d.skip()
			r.Inside = &EncapStatus{}
			return boolField(23, ok && json.Unmarshal(raw, r.Inside) == nil)
		}
		return -1
	})
}

// fields reads an object, handing each key to field, which reads the value
// and returns the field's index (below 64), or -1 to give up. A repeated
// field gives up too: encoding/json would merge some values.
func (d *valueDecoder) fields(field func(key []byte) int) bool {
	if d.space(); !d.take('{') {
		return false
	}
	if d.space(); d.take('}') {
		return true
	}
	var seen uint64
	for {
		k, ok := d.plainKey()
		if !ok {
			return false
		}
		i := field(k)
		if i < 0 || seen&(1<<i) != 0 {
			return false
		}
		seen |= 1 << i
		if d.space(); d.take('}') {
			return true
		}
		if !d.take(',') {
			return false
		}
	}
}

// plainKey reads `"name":` where name has no escape nor special byte
// (the field names).
func (d *valueDecoder) plainKey() ([]byte, bool) {
	if d.space(); !d.take('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) && d.b[d.i] != '"' {
		if c := d.b[d.i]; c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, false
		}
		d.i++
	}
	k := d.b[start:d.i]
	if !d.take('"') {
		return nil, false
	}
	if d.space(); !d.take(':') {
		return nil, false
	}
	return k, true
}

// elements reads an array, calling elem at each element.
func (d *valueDecoder) elements(elem func() bool) bool {
	if d.space(); !d.take('[') {
		return false
	}
	if d.space(); d.take(']') {
		return true
	}
	for {
		d.space()
		if !elem() {
			return false
		}
		if d.space(); d.take(']') {
			return true
		}
		if !d.take(',') {
			return false
		}
	}
}

// null reads a null.
func (d *valueDecoder) null() bool {
	d.space()
	return d.literal("null")
}

// str reads a string; null leaves it as it is, as encoding/json does.
func (d *valueDecoder) str(p *string) bool {
	if d.null() {
		return true
	}
	s, err := d.string()
	*p = s
	return err == nil
}

func (d *valueDecoder) state(p *providers.State) bool {
	s := string(*p)
	ok := d.str(&s)
	*p = providers.State(s)
	return ok
}

func (d *valueDecoder) boolean(p *bool) bool {
	switch {
	case d.null():
	case d.literal("true"):
		*p = true
	case d.literal("false"):
		*p = false
	default:
		return false
	}
	return true
}

// int64 reads an integer written without fraction nor exponent, as JSON
// writes it (no leading zero).
func (d *valueDecoder) int64(p *int64) bool {
	if d.null() {
		return true
	}
	start := d.i
	d.take('-')
	first := d.i
	if n := d.digits(); n == 0 || n > 1 && d.b[first] == '0' || // JSON has no leading zeros
		d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		return false
	}
	n, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
	*p = n
	return err == nil
}

// strings reads a list of strings; null is a nil list, [] an empty one.
func (d *valueDecoder) strings(p *[]string) bool {
	if d.null() {
		*p = nil
		return true
	}
	list := []string{}
	ok := d.elements(func() bool {
		s, err := d.string()
		list = append(list, s)
		return err == nil
	})
	*p = list
	return ok
}

// skip steps over one value and returns it as written. The value is not
// checked: whoever reads it does.
func (d *valueDecoder) skip() ([]byte, bool) {
	d.space()
	start, depth := d.i, 0
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch c {
		case '"':
			for d.i++; d.i < len(d.b) && d.b[d.i] != '"'; d.i++ {
				if d.b[d.i] == '\\' {
					d.i++
				}
			}
			if d.i >= len(d.b) {
				return nil, false
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return d.b[start:d.i], d.i > start
			}
			depth--
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return d.b[start:d.i], d.i > start
			}
		}
		d.i++
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return d.b[start:d.i], true
		}
	}
	return d.b[start:d.i], depth == 0 && d.i > start
}
