package report

// FastestProxy is the fastest proxy with every needed version (the step
// output fastest-proxy), or "" when none is complete.
func (r *Report) FastestProxy() string {
	best := Rank{}
	for _, k := range r.Ranking {
		if k.Complete && (best.URL == "" || k.Rank < best.Rank) {
			best = k
		}
	}
	return best.URL
}
