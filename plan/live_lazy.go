package plan

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/hcl/v2"
	"github.com/omhcl/omhcl/internal/parallel"
	"github.com/omhcl/omhcl/lang"
)

// LazyLive is a live state document (om status --json, a snapshot) read
// service by service: opening it reads its top and finds where each
// service is written; a service is decoded when it is planned, and
// dropped with its plan. It reads what json.Unmarshal reads into a Live,
// and fails where it fails: a document the direct reader is not sure to
// read alike (see Live.UnmarshalJSON) is read whole by Live.UnmarshalJSON,
// at once or, when the doubt is inside one service, when that service is
// read. Finish reads what no plan asked for, so a document with a broken
// service fails even when that service is not planned, as it does read
// whole.
//
// Its Instance is safe for concurrent use.
type LazyLive struct {
	FormatVersion string
	Node          string

	doc    []byte
	elems  [][]byte       // each service as written; nil for a null
	byName map[string]int // the first service of each name (Live.Service)
	read   []atomic.Bool  // which services were decoded

	whole     sync.Once // the document read whole: eager, or after a doubt
	wholeLive *Live
	wholeIx   indexedSnapshot
	wholeErr  error
	isWhole   atomic.Bool
}

// OpenLive reads the top of a live state document and indexes its
// services. Its error is json.Unmarshal's into a Live, when the document
// had to be read whole; errors inside a service come from Instance or
// Finish.
func OpenLive(doc []byte) (*LazyLive, error) {
	l := &LazyLive{doc: doc}
	if !l.index() {
		l.readWhole()
		if l.wholeErr != nil {
			return nil, l.wholeErr
		}
		l.FormatVersion, l.Node = l.wholeLive.FormatVersion, l.wholeLive.Node
	}
	return l, nil
}

// index reads the top of the document and each service's name, stepping
// over the rest. False when the document must be read whole.
func (l *LazyLive) index() bool {
	d := &valueDecoder{b: l.doc}
	byName := map[string]int{}
	_, ok := d.liveTop(&l.FormatVersion, &l.Node, func() bool {
		d.space()
		start := d.i
		if d.null() {
			l.elems = append(l.elems, nil)
			return true
		}
		name, ok := d.serviceName()
		if !ok {
			return false
		}
		if _, dup := byName[name]; !dup {
			byName[name] = len(l.elems)
		}
		l.elems = append(l.elems, l.doc[start:d.i])
		return true
	})
	if !ok {
		l.FormatVersion, l.Node, l.elems = "", "", nil
		return false
	}
	l.byName = byName
	l.read = make([]atomic.Bool, len(l.elems))
	return true
}

// serviceName steps over a service, reading its name: "" when it has
// none (or a null one), as LiveInstance.Service would be. False for what
// liveInstance would not read.
func (d *valueDecoder) serviceName() (string, bool) {
	var name string
	ok := d.fields(func(key []byte) int {
		switch string(key) {
		case "service":
			return boolField(0, d.str(&name))
		}
		if i, ok := liveInstanceKeys[string(key)]; ok {
			_, ok := d.skip()
			return boolField(i, ok)
		}
		return -1
	})
	return name, ok
}

// liveInstanceKeys are the fields of a LiveInstance besides its name, as
// liveInstance reads them.
var liveInstanceKeys = map[string]int{
	"node": 1, "status": 2, "role": 3, "provisioned": 4, "frozen": 5, "generation": 6, "resources": 7, "strays": 8, "config_sync": 9,
}

// readWhole reads the document as json.Unmarshal does into a Live, once.
func (l *LazyLive) readWhole() {
	l.whole.Do(func() {
		var live Live
		if err := json.Unmarshal(l.doc, &live); err != nil {
			l.wholeErr = err
			return
		}
		l.wholeLive = &live
		l.wholeIx = Snapshot{Live: &live}.indexed()
		l.isWhole.Store(true)
	})
}

// Err is the error the document gave when it had to be read whole and
// failed, nil otherwise. Call it once no Instance runs.
func (l *LazyLive) Err() error { return l.wholeErr }

// service decodes the service named svc: nil when the document has none.
func (l *LazyLive) service(svc string) *LiveInstance {
	if l.isWhole.Load() {
		return l.wholeIx.byName[svc]
	}
	i, ok := l.byName[svc]
	if !ok {
		return nil
	}
	l.read[i].Store(true)
	li, ok := decodeLiveInstance(l.elems[i])
	if !ok {
		l.readWhole()
		return l.wholeIx.byName[svc] // nil when the document fails: the caller's Err says so
	}
	return li
}

// decodeLiveInstance reads one service as written. The direct reader
// refuses what encoding/json refuses (FuzzLazyLive): the document is not
// checked first.
func decodeLiveInstance(raw []byte) (*LiveInstance, bool) {
	d := &valueDecoder{b: raw}
	li := &LiveInstance{}
	if !d.liveInstance(li) || d.end() != nil {
		return nil, false
	}
	return li, true
}

// Instance evaluates svc with the document's exposed values and returns
// its state there, as Snapshot does.
func (l *LazyLive) Instance(_ context.Context, svc *lang.Service, node string) (*lang.Instance, *LiveInstance, hcl.Diagnostics) {
	return snapshotInstance(l.service(svc.Name), svc, node)
}

// Finish reads the services no Instance asked for, in parallel, and
// returns the error the whole document gives when one of them is not what
// json.Unmarshal reads alike (nil when they are all well).
func (l *LazyLive) Finish() error {
	if l.isWhole.Load() {
		return l.Err()
	}
	var bad atomic.Bool
	parallel.For(len(l.elems), func(i int) {
		if l.elems[i] == nil || l.read[i].Load() || bad.Load() {
			return
		}
		if _, ok := decodeLiveInstance(l.elems[i]); !ok {
			bad.Store(true)
		}
	})
	if bad.Load() {
		l.readWhole()
	}
	return l.Err()
}
