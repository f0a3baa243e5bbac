package preflight

import (
	"testing"
	"time"
)

// TestReserve: the time kept for finishing the report grows with the
// input past a twentieth of the timeout, even beyond the whole timeout
// (Check then checks nothing and says so).
func TestReserve(t *testing.T) {
	for _, tt := range []struct {
		timeout time.Duration
		n       int
		want    time.Duration
	}{
		{60 * time.Second, 300, 3 * time.Second},
		{60 * time.Second, 500_000, 12500 * time.Millisecond},
		{2 * time.Second, 100_000, 2500 * time.Millisecond},
		{1 * time.Second, 100_000, 2500 * time.Millisecond},
		{10 * time.Second, 0, 500 * time.Millisecond},
	} {
		if got := reserve(tt.timeout, tt.n); got != tt.want {
			t.Errorf("reserve(%v, %d) = %v, want %v", tt.timeout, tt.n, got, tt.want)
		}
	}
}
