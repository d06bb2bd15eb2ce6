// Command benchgen makes the inputs of make bench and measures commands.
//
//	benchgen -services N -dir OUT [-node NODE]
//	    writes OUT/services/svcNNNNN.hcl (one service of 10 resources per
//	    file) and OUT/snapshot.json, the live state of NODE as om status
//	    --json prints it: half the services up and converged, a quarter
//	    down, a quarter up with changes to apply.
//
//	benchgen measure [-runs N] [-warmup N] [-out FILE] [-warmup-out FILE] -- COMMAND [ARG...]
//	    runs COMMAND N times and prints one line:
//	    MEDIAN_MS MIN_MS MAX_MS MAXRSS_KB MEDIAN_CPU_MS
//	    wall time of the command alone (not this runner's), the largest
//	    peak resident set size among its runs, and its user+system CPU time.
//	    A failing run is an error.
package main

import (
	"fmt"
	"os"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "measure" {
		err = measureMain(os.Args[2:])
	} else {
		err = generateMain(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}
