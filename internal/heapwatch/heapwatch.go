// Package heapwatch measures, for tests, how far the heap grows while
// some work runs: the memory bounds of reading hostile or huge input.
package heapwatch

import (
	"runtime"
	"sync/atomic"
	"time"
)

// Start collects garbage, notes the heap in use, and samples it every
// interval until the returned function is called; that function returns
// the largest growth seen, in bytes.
func Start(interval time.Duration) (stop func() uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
		}
	}()
	return func() uint64 { close(quit); <-done; return peak.Load() }
}
