package report

// Build says which gopreflight wrote a report (the JSON report's version
// object, an addition to contract §6): the version stamped at build time
// (-ldflags -X main.version, as the action, the image and the release
// do), else the module version the go command recorded; the commit it
// was built from; the Go release that built it.
type Build struct {
	Version string `json:"version"`
	// ModuleVersion is the main module's version in the build info:
	// v1.2.3 for go install …@v1.2.3, a pseudo-version or "(devel)" for a
	// build from a checkout.
	ModuleVersion string `json:"module_version"`
	Commit        string `json:"commit,omitempty"`
	CommitTime    string `json:"commit_time,omitempty"`
	// Modified: the checkout had uncommitted changes.
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}
