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

// EndpointLatency is the latency the summary and the text report show
// for an endpoint: for a proxy in the ranking, the ranking's figures
// (measured on the same module set for every proxy, so that they compare),
// so one proxy shows one p95 everywhere; for any other endpoint, its own.
func (r *Report) EndpointLatency(e Endpoint) RankLatency {
	for _, k := range r.Ranking {
		if k.URL == e.URL {
			return k.Latency
		}
	}
	return RankLatency{P50: e.Latency.P50, P95: e.Latency.P95}
}
