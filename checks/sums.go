package checks

import (
	"bytes"
	"io"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/report"
)

// modHash is the go.sum "/go.mod h1:" hash of a go.mod file's bytes.
func modHash(data []byte) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return ""
	}
	return h
}

// verifyModHash compares the .mod bytes the route served with go.sum: a
// proxy serving other bytes than the ones go.sum recorded fails the build
// with a checksum mismatch.
func (r *runner) verifyModHash(t *plan.Target, o *outcome) {
	if t.ModSum == nil || o.modHash == "" {
		return
	}
	if o.modHash != t.ModSum.Hash {
		o.status, o.cause = report.StatusChecksumMismatch, cause.ChecksumMismatch
		o.detail = "go.mod served by " + o.via + " hashes to " + o.modHash + ", go.sum has " + t.ModSum.Hash
	}
}
