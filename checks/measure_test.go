package checks

import (
	"fmt"
	"slices"
	"testing"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/plan"
)

// TestSampleTargets: a large graph is sampled deterministically, never
// below 50, with every failing version in; direct and skipped targets are
// never sampled.
func TestSampleTargets(t *testing.T) {
	for _, tt := range []struct{ n, failing int }{{10, 0}, {100, 3}, {250, 0}, {250, 7}, {400, 150}} {
		ts := make([]*plan.Target, tt.n+2)
		out := make([]Outcome, tt.n+2)
		failing := 0
		for i := range ts {
			ts[i] = &plan.Target{Module: module.Version{Path: fmt.Sprintf("example.test/m%d", i), Version: "v1.0.0"}}
			out[i].Status = StatusOK
			if i < tt.n && failing < tt.failing && i%2 == 1 {
				out[i].Status = StatusNotFound
				failing++
			}
		}
		ts[tt.n].Direct = true
		ts[tt.n+1].Skip = "local replace"
		got, sampled := sampleTargets(ts, out)
		again, _ := sampleTargets(ts, out)
		if !slices.Equal(got, again) {
			t.Errorf("n=%d: sample not deterministic", tt.n)
		}
		if sampled != (tt.n > sampleMax) {
			t.Errorf("n=%d: sampled=%v", tt.n, sampled)
		}
		want := min(tt.n, max(sampleMax, failing))
		if len(got) != want || len(got) < min(tt.n, 50) {
			t.Errorf("n=%d failing=%d: sample of %d, want %d", tt.n, tt.failing, len(got), want)
		}
		in := map[int]bool{}
		for _, i := range got {
			in[i] = true
		}
		for i := range ts {
			if (ts[i].Direct || ts[i].Skip != "") && in[i] {
				t.Errorf("n=%d: sampled %s, which is not fetched through GOPROXY", tt.n, ts[i].ID())
			}
			if out[i].Status != StatusOK && !in[i] {
				t.Errorf("n=%d: failing %s left out of the sample", tt.n, ts[i].ID())
			}
		}
	}
}
