package checks

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestPool: a pool runs every job once on no more goroutines than asked,
// hands out nothing after ctx ends, and waitDeadline gives jobs still
// running only graceAfterDeadline.
func TestPool(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 4}, {1, 4}, {10, 3}, {50, 50}, {7, 0}} {
		var running, peak, runs atomic.Int32
		seen := make([]atomic.Int32, tc.n)
		forEach(context.Background(), tc.n, tc.workers, func(i int) {
			now := running.Add(1)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			seen[i].Add(1)
			runs.Add(1)
			running.Add(-1)
		})
		if int(runs.Load()) != tc.n {
			t.Errorf("n=%d: %d runs", tc.n, runs.Load())
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Errorf("n=%d: job %d ran %d times", tc.n, i, seen[i].Load())
			}
		}
		if limit := max(1, tc.workers); int(peak.Load()) > limit {
			t.Errorf("n=%d workers=%d: %d jobs at once", tc.n, tc.workers, peak.Load())
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	var started atomic.Int32
	p := startPool(ctx, 100, 2, func(int) {
		started.Add(1)
		<-release // a job that ignores ctx
	})
	for started.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	begin := time.Now()
	p.waitDeadline(ctx)
	if d := time.Since(begin); d < graceAfterDeadline || d > 10*graceAfterDeadline {
		t.Errorf("waitDeadline returned after %v, want about %v", d, graceAfterDeadline)
	}
	if n := started.Load(); n != 2 {
		t.Errorf("%d jobs started, want the 2 running when ctx ended", n)
	}
}
