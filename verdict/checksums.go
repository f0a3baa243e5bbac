package verdict

import (
	"fmt"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
)

// sumFindings condenses checksum verdicts: mismatches by the side that
// changed, missing go.sum lines with the fix, and the database's state.
func (res result) sumFindings() []Finding {
	var out []Finding
	byKind := map[string][]int{}
	byMirror := map[string][]int{}
	var mirrors []string
	var missing, unknown, needDB []int
	for i, t := range res.Plan.Targets {
		o := res.Outcomes[i]
		switch {
		case o.Status == checks.StatusChecksumMismatch && o.Sum.Kind == checks.MismatchMirror:
			if _, ok := byMirror[o.Via]; !ok {
				mirrors = append(mirrors, o.Via)
			}
			byMirror[o.Via] = append(byMirror[o.Via], i)
		case o.Status == checks.StatusChecksumMismatch:
			byKind[o.Sum.Kind] = append(byKind[o.Sum.Kind], i)
		case o.Status == checks.StatusMissingSum:
			missing = append(missing, i)
		}
		if o.Sum.Unknown && o.Status == checks.StatusOK {
			unknown = append(unknown, i)
		}
		if o.Sum.NeedsDB && t.Skip == "" {
			needDB = append(needDB, i)
		}
	}
	sums := res.Checksums
	dbEndpoint := []string{}
	if sums.URL != "" {
		dbEndpoint = []string{sums.URL}
	}
	first := func(idx []int) string { return res.Outcomes[idx[0]].Detail }

	if idx := byKind[checks.MismatchGoSum]; len(idx) > 0 {
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("go.sum disagrees with the checksum database %s for %s", sums.Database, moduleSubject(res.ids(idx))),
			Detail:    first(idx),
			Advice:    "Find which side changed before touching anything: look at go.sum's history in version control (git log -p go.sum) for the line named; the database is append-only and signed, so a go.sum line that differs from it was edited or came from different bytes. Restore the line from version control, or rerun `go mod download` and review the diff; do not wipe caches or delete go.sum blindly.",
			Endpoints: dbEndpoint, Modules: res.ids(idx),
		})
	}
	if idx := byKind[checks.MismatchCache]; len(idx) > 0 {
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("the module cache holds bytes that do not match go.sum for %s: the go command fails with SECURITY ERROR", plural(len(idx), "module version")),
			Detail:    first(idx),
			Advice:    "Find which side changed: go.sum's history in version control (git log -p go.sum), and the cache (`go mod verify` names every altered entry). If go.sum is right, the cached copy was altered or corrupted: remove it (`go clean -modcache`, or that version's files under GOMODCACHE) and download again; never edit go.sum to match the cache.",
			Endpoints: []string{}, Modules: res.ids(idx),
		})
	}
	if idx := byKind[checks.MismatchCacheAltered]; len(idx) > 0 {
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("the module cache's copy of %s was altered after download: go mod verify fails; go build uses it as it is", plural(len(idx), "module version")),
			Detail:    first(idx),
			Advice:    "The build compiles files that are not the ones go.sum vouches for. Find what wrote into GOMODCACHE (a build step, a tool run with -modcacherw, a cache restored from elsewhere); remove the altered copy (`go clean -modcache`, or that version's files under GOMODCACHE) and download again; go.sum is not at fault, do not edit it.",
			Endpoints: []string{}, Modules: res.ids(idx),
		})
	}
	for _, m := range mirrors {
		idx := byMirror[m]
		ref := "go.sum"
		if sums.Status == checks.SumDBVerified {
			ref = "the checksum database"
		}
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("mirror %s serves bytes that do not match %s for %s", m, ref, moduleSubject(res.ids(idx))),
			Detail:    first(idx),
			Advice:    "Treat this mirror as compromised or corrupted for these versions: find which side changed (go.sum in version control, or the mirror) by comparing with another mirror or the origin; report it to the mirror's operator; do not wipe caches or edit go.sum to match.",
			Endpoints: []string{m}, Modules: res.ids(idx),
		})
	}
	if idx := byKind[checks.MismatchDB]; len(idx) > 0 {
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("checksum database %s answers do not verify: security error", sums.Database),
			Detail:    sums.Detail,
			Advice:    "Something between this machine and the database, or the database itself, is serving data not signed by the key in GOSUMDB. Check GOSUMDB's key, any proxy that proxies the database, and TLS interception; never disable GOSUMDB to get past this.",
			Endpoints: dbEndpoint, Modules: res.ids(idx),
		})
	}
	if len(missing) > 0 {
		mods := res.ids(missing)
		var dl []string
		for _, i := range missing {
			if !res.Plan.Targets[i].Toolchain {
				dl = append(dl, res.Plan.Targets[i].ID())
			}
		}
		f := Finding{
			Severity: SeverityError, Cause: res.Outcomes[missing[0]].Cause,
			Title:     fmt.Sprintf("%s missing from go.sum: the build fails with \"missing go.sum entry\"", moduleSubject(mods)),
			Detail:    first(missing),
			Advice:    "Add the lines with `go mod download <module>` (or `go mod tidy`) and commit go.sum.",
			Endpoints: []string{}, Modules: mods,
		}
		if f.Cause != cause.MissingSum {
			f.Endpoints = dbEndpoint
		}
		if len(dl) > 0 {
			f.Fix = "go mod download " + strings.Join(dl, " ")
		}
		out = append(out, f)
	}
	switch sums.Status {
	case checks.SumDBUnavailable:
		sev, detail := SeverityWarning, "The go command asks the database only for lines go.sum lacks, so a build with a complete go.sum still works."
		if len(needDB) > 0 {
			sev = SeverityError
			detail = fmt.Sprintf("The build needs the database for %s (lines go.sum lacks, or a toolchain download): %s.", plural(len(needDB), "module version"), strings.Join(res.ids(needDB), ", "))
		}
		where := sums.URL
		if where == "" {
			where = sums.Database
		}
		out = append(out, Finding{
			Severity: sev, Cause: sums.Cause,
			Title:     fmt.Sprintf("checksum database %s unavailable at %s: %s", sums.Database, where, sums.Cause),
			Detail:    strings.TrimSpace(detail + " " + sums.Detail),
			Advice:    "Allow the database's host (or a GOPROXY that proxies it: <proxy>/sumdb/<name>/supported) through the firewall; keep go.sum complete and committed. Do not set GOSUMDB=off to get past it.",
			Endpoints: dbEndpoint, Modules: res.ids(needDB),
		})
	}
	if len(unknown) > 0 {
		out = append(out, Finding{
			Severity: SeverityNotice, Cause: cause.NotFound,
			Title:     fmt.Sprintf("%s unknown to the checksum database %s", moduleSubject(res.ids(unknown)), sums.Database),
			Detail:    "The database answered 404/410. go.sum's lines are used as they are; only a line go.sum lacks would fail the build.",
			Advice:    "If these modules are private, list them in GOPRIVATE or GONOSUMDB.",
			Endpoints: dbEndpoint, Modules: res.ids(unknown),
		})
	}
	return out
}
