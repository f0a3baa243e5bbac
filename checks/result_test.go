package checks

import (
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/probe"
)

// TestEndpointCauseKeepsTheRunsPhase: the probe's own connection names a
// failure the run's requests only saw end to end, but a deadline it ran
// into in a phase the run's requests got past (a slow path) does not
// replace what they saw.
func TestEndpointCauseKeepsTheRunsPhase(t *testing.T) {
	for _, tc := range []struct {
		run, diag, want cause.Code
	}{
		{cause.Timeout, cause.DNSTimeout, cause.Timeout},
		{cause.Timeout, cause.TCPTimeout, cause.Timeout},
		{cause.TLSTimeout, cause.TCPTimeout, cause.TLSTimeout},
		{cause.TLSTimeout, cause.TLSTimeout, cause.TLSTimeout},
		{cause.TCPTimeout, cause.DNSTimeout, cause.TCPTimeout},
		{cause.TLSFailure, cause.TLSUnknownAuthority, cause.TLSUnknownAuthority},
		{cause.Timeout, cause.TCPRefused, cause.TCPRefused},
		{cause.TCPReset, cause.TLSTimeout, cause.TCPReset}, // reset after TLS: the run got past it
		{cause.TCPRefused, cause.TLSTimeout, cause.TLSTimeout},
		{cause.Timeout, cause.DNSBogon, cause.DNSBogon},
	} {
		ep := probe.Endpoint{Origin: "https://proxy.example", Host: "proxy.example", Requests: 2,
			Failures: map[cause.Code]int{tc.run: 2}, LastCause: tc.run, LastDetail: "run",
			Diagnosis: &probe.Diagnosis{Cause: tc.diag, Detail: "probe"}}
		if got := endpointOf(ep).Cause; got != tc.want {
			t.Errorf("run %s, probe %s: endpoint %s, want %s", tc.run, tc.diag, got, tc.want)
		}
	}
}
