package checks

import (
	"context"
	"sync"
	"time"
)

// graceAfterDeadline is how long, once the run's deadline has passed,
// the engine waits for requests in flight to report: they honour ctx and
// end at once, but a report must not wait on a server that does not.
const graceAfterDeadline = 300 * time.Millisecond

// A pool runs jobs 0..n-1 on at most a fixed number of goroutines, the
// one shape of every concurrent loop in the engine. It stops handing out
// jobs when ctx ends; a job not handed out is not run, which its caller
// reads as "not finished". The client bounds the requests in flight
// across pools.
type pool struct {
	finished chan struct{}
}

// startPool starts running do(i) for i in [0, n) on at most workers
// goroutines (at least one, at most n).
func startPool(ctx context.Context, n, workers int, do func(i int)) *pool {
	p := &pool{finished: make(chan struct{})}
	work := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				do(i)
			}
		}()
	}
	go func() {
		defer close(work)
		for i := range n {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(p.finished) }()
	return p
}

// wait returns when every job handed out has finished.
func (p *pool) wait() { <-p.finished }

// waitDeadline is wait, except that once ctx has ended the jobs still
// running get graceAfterDeadline to finish; the caller then takes what
// has been reported and leaves the rest to end on their own.
func (p *pool) waitDeadline(ctx context.Context) {
	select {
	case <-p.finished:
	case <-ctx.Done():
		select {
		case <-p.finished:
		case <-time.After(graceAfterDeadline):
		}
	}
}

// forEach runs do(i) for i in [0, n) on at most workers goroutines and
// returns when they are done.
func forEach(ctx context.Context, n, workers int, do func(i int)) {
	startPool(ctx, n, workers, do).wait()
}
