package daemon

import (
	"net/http"
	_ "net/http/pprof" // served only when OMHCL_PPROF names an address
	"os"
)

// servePprof exposes Go's profiler on $OMHCL_PPROF (e.g. 127.0.0.1:6060)
// when set: how the daemon's own cost is investigated.
func (d *Daemon) servePprof() {
	if addr := os.Getenv("OMHCL_PPROF"); addr != "" {
		go func() { d.errorf("pprof: %v", http.ListenAndServe(addr, nil)) }()
	}
}
