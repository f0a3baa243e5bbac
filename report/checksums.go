package report

import (
	"fmt"
)

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
		head += "no checksum database (" + string(c.Status) + ")"
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
