package report

import "github.com/gopreflight/gopreflight/cause"

// Checksum database states.
const (
	SumDBVerified    = "verified"       // every looked-up line answered and verified
	SumDBUnavailable = "unavailable"    // could not be reached, or declined
	SumDBSecurity    = "security_error" // answered, but the answer does not verify
	SumDBOff         = "off"            // GOSUMDB=off or --checksums=false
	SumDBNotUsed     = "not_used"       // nothing to look up (all exempt or skipped)
)

// Checksums says how go.sum was verified: against the checksum database
// (SPEC section 4) and against the bytes each mirror served.
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
