package heapwatch

import (
	"testing"
	"time"
)

var sink [][]byte

// TestStart: 64 MiB held while watched shows as growth of at least that;
// nothing held shows as far less.
func TestStart(t *testing.T) {
	stop := Start(time.Millisecond)
	for range 64 {
		sink = append(sink, make([]byte, 1<<20))
	}
	time.Sleep(20 * time.Millisecond)
	if got := stop(); got < 64<<20 {
		t.Errorf("growth %d MiB, want at least 64", got>>20)
	}
	sink = nil
	stop = Start(time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	if got := stop(); got > 8<<20 {
		t.Errorf("growth %d MiB with nothing held, want under 8", got>>20)
	}
}
