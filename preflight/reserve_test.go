package preflight

import (
	"testing"
	"time"
)

// TestReserve: the time kept for finishing the report grows with the
// input past a twentieth of the timeout, and never takes more than three
// quarters of it.
func TestReserve(t *testing.T) {
	for _, tt := range []struct {
		timeout time.Duration
		n       int
		want    time.Duration
	}{
		{60 * time.Second, 300, 3 * time.Second},
		{60 * time.Second, 500_000, 10 * time.Second},
		{2 * time.Second, 100_000, 1500 * time.Millisecond},
		{10 * time.Second, 0, 500 * time.Millisecond},
	} {
		if got := reserve(tt.timeout, tt.n); got != tt.want {
			t.Errorf("reserve(%v, %d) = %v, want %v", tt.timeout, tt.n, got, tt.want)
		}
	}
}
