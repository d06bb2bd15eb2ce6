// Package parallel runs independent, indexed work on every CPU.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(0) to f(n-1) on up to GOMAXPROCS goroutines and returns once
// all calls are done. Each f(i) writes only its own results, which the
// caller then reads in index order: output stays deterministic.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}
