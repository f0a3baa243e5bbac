package probe

import (
	"context"
	"sync"
	"time"
)

// dialGates let the first request to an origin open its connection while
// the requests sent with it wait: the transport learns only from TLS ALPN
// that a host speaks HTTP/2, so requests sent together to a new host
// would each resolve, dial and handshake, and all connections but one
// would then be closed unused (32 handshakes instead of one at the
// default concurrency, a burst some proxies count against a client).
// Waiting is bounded by dialWait, after which a request dials on its own
// as before, so that a host that hangs delays no verdict by more than that.
type dialGates struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

// dialWait bounds how long a request waits for the first connection to
// its origin.
const dialWait = time.Second

// wait returns at once for the first request to origin, which must call
// opened when its connection is up or its attempt has ended (opened is
// idempotent); later requests wait until then, dialWait or ctx, and get a
// no-op.
func (g *dialGates) wait(ctx context.Context, origin string) (opened func()) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]chan struct{}{}
	}
	ch, ok := g.m[origin]
	if !ok {
		ch = make(chan struct{})
		g.m[origin] = ch
	}
	g.mu.Unlock()
	if !ok {
		var once sync.Once
		return func() { once.Do(func() { close(ch) }) }
	}
	select {
	case <-ch:
		return func() {}
	default:
	}
	t := time.NewTimer(dialWait)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	return func() {}
}
