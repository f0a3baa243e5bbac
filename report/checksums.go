package report

import (
	"fmt"

	"github.com/gopreflight/gopreflight/cause"
)

// Checksum database states.
const (
	SumDBVerified    = "verified"       // every looked-up line answered and verified
	SumDBUnavailable = "unavailable"    // could not be reached, or declined
	SumDBSecurity    = "security_error" // answered, but the answer does not verify
	SumDBOff         = "off"            // GOSUMDB=off or --checksums=false
	SumDBNotUsed     = "not_used"       // nothing to look up (all exempt or skipped)
)

// Checksums says how go.sum was verified: against the checksum database
// (contract §4) and against the bytes each mirror served.
type Checksums struct {
	// Database is the GOSUMDB name; URL where it was reached (redacted),
	// Via the GOPROXY entry that proxies it ("" when direct).
	Database string `json:"database"`
	URL      string `json:"url"`
	Via      string `json:"via"`
	// Status is one of the SumDB* states; Cause and Detail say why it is
	// not verified.
	Status string     `json:"status"`
	Cause  cause.Code `json:"cause"`
	Detail string     `json:"detail"`
	// Counts of module versions.
	Verified   int `json:"verified"`   // the database confirmed go.sum and the mirror
	Mismatched int `json:"mismatched"` // checksum_mismatch
	Unknown    int `json:"unknown"`    // the database does not know them (404/410)
	Exempt     int `json:"exempt"`     // GONOSUMDB / GOPRIVATE
	MissingSum int `json:"missing_sum"`
	// MirrorHashed counts the module versions whose served bytes (.mod,
	// and the zip at --depth full) were hashed and compared.
	MirrorHashed int `json:"mirror_hashed"`
}

// checksumText writes the checksum section of the text report: where the
// database was reached, what it confirmed, and every module whose bytes or
// go.sum lines are in question, at the line to fix.
func checksumText(b *errWriter, r *Report) {
	c := r.Checksums
	if c.Status == "" {
		return
	}
	b.printf("Checksums: %s\n", oneLine(checksumHead(c)))
	b.printf("  %d verified, %d mismatched, %d missing from go.sum, %d unknown to the database, %d exempt (GONOSUMDB/GOPRIVATE); mirror bytes hashed for %d\n",
		c.Verified, c.Mismatched, c.MissingSum, c.Unknown, c.Exempt, c.MirrorHashed)
	for _, m := range r.Modules {
		if m.Status != StatusChecksumMismatch && m.Status != StatusMissingSum {
			continue
		}
		b.printf("  %s %s at %s:%d\n      %s\n", m.Status, oneLine(m.ID()), m.File, m.Line, oneLine(m.Detail))
	}
	b.printf("\n")
}

// checksumHead says where the checksum database was reached and in what
// state, for the text and Markdown reports.
func checksumHead(c Checksums) string {
	head := ""
	switch {
	case c.Database == "":
		head += "no checksum database (" + c.Status + ")"
	case c.Via != "":
		head += fmt.Sprintf("GOSUMDB %s via proxy %s: %s", c.Database, c.Via, c.Status)
	case c.URL != "":
		head += fmt.Sprintf("GOSUMDB %s at %s: %s", c.Database, c.URL, c.Status)
	default:
		head += fmt.Sprintf("GOSUMDB %s: %s", c.Database, c.Status)
	}
	if c.Status == SumDBUnavailable || c.Status == SumDBSecurity {
		head += fmt.Sprintf(" [%s] %s", c.Cause, c.Detail)
	} else if c.Status == SumDBOff {
		head += " (" + c.Detail + ")"
	}
	return head
}
