package verdict

import (
	"fmt"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
)

// slowRoute says whether the deadline found source still answering.
func (res result) slowRoute(source string) bool {
	for _, s := range res.Slow {
		if s.Source == source {
			return true
		}
	}
	return false
}

// slowFindings are warnings: each slow route, the versions left unchecked
// on it, the rate measured and what the build's fetches would take.
func (res result) slowFindings() []Finding {
	var out []Finding
	for _, s := range res.Slow {
		if len(s.Targets) == 0 {
			continue
		}
		total := s.Served + len(s.Targets)
		est := time.Duration(float64(total) / s.Rate() * float64(time.Second)).Round(time.Second)
		eps := []string{}
		if s.Source != goenv.Direct {
			eps = append(eps, s.Source)
		}
		out = append(out, Finding{
			Severity: SeverityWarning, Cause: cause.Timeout,
			Title: fmt.Sprintf("%s not checked before the deadline: %s answers slowly (%.1f versions/s)",
				plural(len(s.Targets), "module version"), s.Source, s.Rate()),
			Detail: fmt.Sprintf("%s served %d module versions in %s with no failed connection, as a cold caching proxy does while it fetches from its upstream. At that rate the build's %d module versions through it take about %s to fetch; the go command has no deadline and waits, so these are not failures.",
				s.Source, s.Served, s.Elapsed.Round(100*time.Millisecond), total, est),
			Advice:    fmt.Sprintf("To check every version, raise --timeout above %s, or warm the proxy's cache first (a `go mod download` through it).", est),
			Endpoints: eps, Modules: res.ids(s.Targets),
		})
	}
	return out
}
