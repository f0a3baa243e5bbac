package cause_test

import (
	"regexp"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
)

func TestAll(t *testing.T) {
	t.Parallel()
	all := cause.All()
	// the contract's 29 codes in its order, then the additions.
	if len(all) != 31 || all[0] != cause.OK || all[28] != cause.MirrorLag || all[29] != cause.MissingSum || all[30] != cause.GoModUpdate {
		t.Fatalf("All() = %v", all)
	}
	seen := make(map[cause.Code]bool)
	valid := regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)
	for _, c := range all {
		if seen[c] || !valid.MatchString(string(c)) {
			t.Errorf("code %q repeated or badly spelt", c)
		}
		seen[c] = true
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	retry := map[cause.Code]bool{
		cause.DNSTimeout: true, cause.TCPTimeout: true, cause.TLSTimeout: true, cause.Timeout: true,
		cause.TCPReset: true, cause.TLSReset: true, cause.RateLimited: true, cause.ServerError: true,
	}
	for _, c := range cause.All() {
		if got := cause.Retryable(c); got != retry[c] {
			t.Errorf("Retryable(%s) = %v", c, got)
		}
	}
}

func TestInterference(t *testing.T) {
	t.Parallel()
	server := map[cause.Code]bool{
		cause.OK: true, cause.NotFound: true, cause.HTTPUnauthorized: true, cause.HTTPForbidden: true,
		cause.RateLimited: true, cause.ServerError: true, cause.BadResponse: true,
		cause.ChecksumMismatch: true, cause.VCSFailure: true, cause.MirrorLag: true, cause.MissingSum: true,
		cause.GoModUpdate: true,
	}
	for _, c := range cause.All() {
		if got := cause.Interference(c); got == server[c] {
			t.Errorf("Interference(%s) = %v", c, got)
		}
	}
}
