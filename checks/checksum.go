package checks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/sumdb"
	"github.com/gopreflight/gopreflight/workspace"
)

// Kinds of checksum mismatch, for findings: each names a different side
// that changed.
const (
	mismatchGoSum  = "gosum"  // a go.sum line differs from the database
	mismatchMirror = "mirror" // the bytes a mirror served differ
	mismatchDB     = "sumdb"  // the database's answer does not verify
	mismatchCache  = "cache"  // the module cache's copy differs
)

// sumCheck is what checksum verification concluded for one target.
type sumCheck struct {
	kind string
	// at is the go.sum line a go.sum mismatch is reported at.
	at *workspace.Pos
	// needsDB: the build must ask the database (go.sum lacks a line the
	// go command would add, or the toolchain module).
	needsDB  bool
	verified bool
	unknown  bool
	exempt   bool
	hashed   bool
}

// sumLookups are the database's answers, by target index.
type sumLookups struct {
	db  *sumdb.DB // nil when the database is not consulted
	off bool      // GOSUMDB=off or --checksums=false
	// gosumdbOff: GOSUMDB=off, which makes toolchain downloads fail.
	gosumdbOff bool
	// offline: --offline; unreachable holds the targets the go command
	// would ask the database about, which it cannot do with no network.
	offline     bool
	unreachable map[int]bool
	answers     map[int]sumdb.Answer
}

// lookupSums starts asking the database about every target whose go.sum
// lines it covers, alongside resolution (the answers do not depend on
// it), and returns a function that waits for the answers until ctx ends.
func (r *runner) lookupSums(ctx context.Context) func() *sumLookups {
	env := r.cfg.Env
	l := &sumLookups{answers: map[int]sumdb.Answer{}}
	cfg, err := goenv.ParseSumDB(env.GOSUMDB)
	if r.cfg.Offline {
		l.off, l.offline, l.gosumdbOff, l.unreachable = true, true, cfg.Off, map[int]bool{}
		for i, t := range r.plan.Targets {
			if err == nil && !cfg.Off && !t.Toolchain && env.NeedsSum(t.Module.Path) {
				l.unreachable[i] = true
			}
		}
		return func() *sumLookups { return l }
	}
	if !r.cfg.Checksums || err != nil || cfg.Off {
		l.off, l.gosumdbOff = true, cfg.Off
		return func() *sumLookups { return l }
	}
	var jobs []int
	for i, t := range r.plan.Targets {
		if t.Skip != "" || module.CanonicalVersion(t.Module.Version) != t.Module.Version {
			continue
		}
		if t.Toolchain || env.NeedsSum(t.Module.Path) {
			jobs = append(jobs, i)
		}
	}
	if len(jobs) == 0 {
		return func() *sumLookups { return l }
	}
	l.db = sumdb.New(ctx, cfg, r.cfg.Client, r.cfg.Proxies)
	var mu sync.Mutex
	work := make(chan int)
	finished := make(chan struct{})
	var wg sync.WaitGroup
	workers := min(len(jobs), r.cfg.Client.Concurrency())
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				t := r.plan.Targets[i]
				a := l.db.Lookup(t.Module, t.Need == plan.NeedZip)
				mu.Lock()
				l.answers[i] = a
				mu.Unlock()
			}
		}()
	}
	go func() {
		defer close(work)
		for _, i := range jobs {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(finished) }()
	return func() *sumLookups {
		select {
		case <-finished:
		case <-ctx.Done():
			select {
			case <-finished:
			case <-time.After(300 * time.Millisecond):
			}
		}
		mu.Lock()
		defer mu.Unlock()
		out := &sumLookups{db: l.db, answers: make(map[int]sumdb.Answer, len(jobs))}
		for _, i := range jobs {
			a, ok := l.answers[i]
			if !ok {
				a = sumdb.Answer{Fail: &sumdb.Failure{Cause: cause.Timeout, Detail: "not answered when the run's deadline was reached"}}
			}
			out.answers[i] = a
		}
		return out
	}
}

// verifySums compares, for every fetched target, go.sum with the bytes
// the mirror served and with the database, and decides missing_sum. It
// changes out in place and returns the checksum summary.
func (r *runner) verifySums(out []outcome, l *sumLookups) report.Checksums {
	env := r.cfg.Env
	sum := report.Checksums{Status: report.SumDBNotUsed, Cause: cause.OK}
	if cfg, err := goenv.ParseSumDB(env.GOSUMDB); err == nil && !cfg.Off {
		sum.Database = cfg.Name
	}
	if l.off {
		sum.Status, sum.Detail = report.SumDBOff, "go.sum is compared with the bytes mirrors serve only"
		if l.offline {
			sum.Detail = "--offline: the checksum database is not asked; go.sum is compared with the module cache's hashes"
		} else if !r.cfg.Checksums && sum.Database != "" {
			sum.Detail = "--checksums=false: " + sum.Detail
		} else {
			sum.Detail = "GOSUMDB=off: " + sum.Detail
		}
	}
	var dbFail *sumdb.Failure
	if l.db != nil {
		loc := l.db.Locate()
		sum.URL, sum.Via = goenv.Redact(loc.Base), loc.Via
		sum.Status = report.SumDBVerified
		if loc.Fail != nil {
			dbFail = loc.Fail
		}
	}
	modFlag := env.ModFlag()
	for i, t := range r.plan.Targets {
		o := &out[i]
		if t.Skip != "" {
			continue
		}
		a, asked := l.answers[i]
		if a.Fail != nil && (dbFail == nil || a.Fail.Security && !dbFail.Security) {
			dbFail = a.Fail
		}
		judge(t, o, a, asked, l, modFlag == "mod", l.unreachable[i])
		if o.cold != nil {
			// What a cold cache would meet: the route's bytes, judged alike.
			judge(t, o.cold, a, asked, l, modFlag == "mod", false)
		}
		s := o.sum
		switch {
		case s.exempt:
			sum.Exempt++
		case s.unknown:
			sum.Unknown++
		}
		if s.verified {
			sum.Verified++
		}
		if s.hashed {
			sum.MirrorHashed++
		}
		if o.status == report.StatusChecksumMismatch {
			sum.Mismatched++
		}
		if o.status == report.StatusMissingSum {
			sum.MissingSum++
		}
	}
	if dbFail != nil {
		sum.Cause, sum.Detail = dbFail.Cause, dbFail.Detail
		sum.Status = report.SumDBUnavailable
		if dbFail.Security {
			sum.Status = report.SumDBSecurity
		}
		if sum.URL == "" {
			sum.URL = dbFail.URL
		}
	}
	return sum
}

// judgeCache compares the hashes the module cache recorded with go.sum
// exactly as cmd/go's checkModSum does when it serves a version from the
// cache: go.sum's line decides where there is one (the go command fails
// with SECURITY ERROR on a difference); without one, the database's
// answer, which the go command would ask. A cached copy that no longer
// matches its recorded hash (--depth full) is reported too.
func judgeCache(t *plan.Target, o *outcome, a sumdb.Answer, verifiedDB bool, mismatch func(kind, what string)) {
	s := &o.sum
	check := func(got string, line *workspace.Sum, dbHash, what string) {
		switch {
		case got == "":
		case line != nil && line.Hash != got:
			mismatch(mismatchCache, fmt.Sprintf("the module cache's %s hashes to %s, %s has %s", what, got, posString(line.Pos), line.Hash))
			if s.at == nil {
				s.at = &line.Pos
			}
		case line == nil && verifiedDB && dbHash != "" && dbHash != got:
			mismatch(mismatchCache, fmt.Sprintf("the module cache's %s hashes to %s, the checksum database has %s", what, got, dbHash))
		}
	}
	check(o.modHash, t.ModSum, a.Mod, "go.mod of "+t.ID())
	check(o.zipHash, t.Sum, a.Zip, "zip of "+t.ID())
	if o.modified != "" {
		mismatch(mismatchCache, "the module cache's copy of "+t.ID()+" was altered: "+o.modified)
		if s.at == nil && t.Sum != nil {
			s.at = &t.Sum.Pos
		}
	}
}

// judge decides one target's checksum verdict. Precedence: a module that
// cannot be fetched keeps that status; then checksum_mismatch (the mirror,
// go.sum, or the database's answer); then missing_sum.
//
// offlineDB: --offline, and the go command would ask the database to add a
// line go.sum lacks, which it cannot do with no network.
func judge(t *plan.Target, o *outcome, a sumdb.Answer, asked bool, l *sumLookups, modMod, offlineDB bool) {
	s := &o.sum
	s.exempt = !asked && !l.off && !t.Toolchain
	s.unknown = asked && a.Unknown
	verifiedDB := asked && a.Fail == nil && !a.Unknown
	lacking := t.ModSum == nil || t.Need == plan.NeedZip && t.Sum == nil
	if t.Toolchain {
		lacking = true // never in go.sum: always verified by the database
	}
	s.needsDB = lacking && (asked || t.Toolchain)
	if o.status != report.StatusOK || module.CanonicalVersion(t.Module.Version) != t.Module.Version {
		// Not fetched, or a query the go command resolves (and records
		// under the version it resolves to).
		return
	}
	s.hashed = o.via != ViaCache && (o.modHash != "" || o.zipHash != "")

	var problems []string
	kind := ""
	mismatch := func(k, what string) {
		switch {
		case kind == mismatchMirror:
			// the mirror's bytes outrank go.sum's text
		case k == mismatchCache && kind != "":
			// a go.sum line that differs from the database explains
			// why the cache differs from it
		default:
			kind = k
		}
		problems = append(problems, what)
	}
	if verifiedDB {
		db := "the checksum database"
		if t.ModSum != nil && t.ModSum.Hash != a.Mod {
			mismatch(mismatchGoSum, fmt.Sprintf("%s has %s %s/go.mod %s, %s has %s", posString(t.ModSum.Pos), t.Module.Path, t.Module.Version, t.ModSum.Hash, db, a.Mod))
			s.at = &t.ModSum.Pos
		}
		if t.Sum != nil && a.Zip != "" && t.Sum.Hash != a.Zip {
			mismatch(mismatchGoSum, fmt.Sprintf("%s has %s %s %s, %s has %s", posString(t.Sum.Pos), t.Module.Path, t.Module.Version, t.Sum.Hash, db, a.Zip))
			s.at = &t.Sum.Pos
		}
	}
	if o.via == ViaCache {
		judgeCache(t, o, a, verifiedDB, mismatch)
	} else if verifiedDB {
		db := "the checksum database"
		if o.modHash != "" && o.modHash != a.Mod {
			mismatch(mismatchMirror, fmt.Sprintf("the go.mod %s served hashes to %s, %s has %s", o.via, o.modHash, db, a.Mod))
		}
		if o.zipHash != "" && a.Zip != "" && o.zipHash != a.Zip {
			mismatch(mismatchMirror, fmt.Sprintf("the zip %s served hashes to %s, %s has %s", o.via, o.zipHash, db, a.Zip))
		}
	} else {
		// Without the database, go.sum is the reference the go command
		// checks downloads against.
		if o.modHash != "" && t.ModSum != nil && o.modHash != t.ModSum.Hash {
			mismatch(mismatchMirror, fmt.Sprintf("the go.mod %s served hashes to %s, %s has %s", o.via, o.modHash, posString(t.ModSum.Pos), t.ModSum.Hash))
		}
		if o.zipHash != "" && t.Sum != nil && o.zipHash != t.Sum.Hash {
			mismatch(mismatchMirror, fmt.Sprintf("the zip %s served hashes to %s, %s has %s", o.via, o.zipHash, posString(t.Sum.Pos), t.Sum.Hash))
		}
	}
	if kind != "" {
		s.kind = kind
		o.status, o.cause = report.StatusChecksumMismatch, cause.ChecksumMismatch
		o.detail = strings.Join(problems, "; ")
		return
	}
	if asked && a.Fail != nil && a.Fail.Security {
		s.kind = mismatchDB
		o.status, o.cause = report.StatusChecksumMismatch, cause.ChecksumMismatch
		o.detail = "cannot be verified: the checksum database's answer does not verify (" + a.Fail.Detail + ")"
		return
	}
	s.verified = verifiedDB
	if !lacking {
		return
	}
	// go.sum lacks a line the build needs: the go command fails with
	// "missing go.sum entry" unless -mod=mod lets it add the line, which
	// it does from the database when GONOSUMDB does not exempt the module.
	// The toolchain, never in go.sum, always comes from the database.
	fromDB := modMod || t.Toolchain
	but := "-mod=mod would add it, but "
	if t.Toolchain {
		but = "the go command verifies toolchain downloads against the checksum database, but "
	}
	var why string
	switch {
	case t.Toolchain && l.gosumdbOff:
		why = but + "GOSUMDB=off disables it"
	case t.Toolchain && !asked:
		return // --checksums=false: not verified, not judged
	case offlineDB && fromDB:
		why = but + "--offline: the checksum database cannot be reached with no network"
	case fromDB && verifiedDB, modMod && !asked:
		return
	case !fromDB:
		why = `the build fails with "missing go.sum entry"`
	case a.Unknown:
		why = but + "the checksum database does not know this version (set GONOSUMDB or GOPRIVATE if it is private)"
	case a.Fail != nil:
		why = but + "the checksum database is unavailable: " + string(a.Fail.Cause) + ": " + a.Fail.Detail
	}
	s.verified = false
	// Where the database is what keeps the go command from adding the
	// line, its failure is the cause.
	o.status, o.cause = report.StatusMissingSum, cause.MissingSum
	if fromDB && asked && a.Fail != nil {
		o.cause = a.Fail.Cause
	}
	lines := "no go.sum line"
	if t.Toolchain {
		lines = "no checksum"
	}
	o.detail = lines + " for " + t.ID() + ": " + why
}

func posString(p workspace.Pos) string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// sumFindings condenses checksum verdicts: mismatches by the side that
// changed, missing go.sum lines with the fix, and the database's state.
func (res *Result) sumFindings() []report.Finding {
	var out []report.Finding
	byKind := map[string][]int{}
	byMirror := map[string][]int{}
	var mirrors []string
	var missing, unknown, needDB []int
	for i, t := range res.Plan.Targets {
		o := res.Outcomes[i]
		switch {
		case o.status == report.StatusChecksumMismatch && o.sum.kind == mismatchMirror:
			if _, ok := byMirror[o.via]; !ok {
				mirrors = append(mirrors, o.via)
			}
			byMirror[o.via] = append(byMirror[o.via], i)
		case o.status == report.StatusChecksumMismatch:
			byKind[o.sum.kind] = append(byKind[o.sum.kind], i)
		case o.status == report.StatusMissingSum:
			missing = append(missing, i)
		}
		if o.sum.unknown && o.status == report.StatusOK {
			unknown = append(unknown, i)
		}
		if o.sum.needsDB && t.Skip == "" {
			needDB = append(needDB, i)
		}
	}
	sums := res.Checksums
	dbEndpoint := []string{}
	if sums.URL != "" {
		dbEndpoint = []string{sums.URL}
	}
	ids := func(idx []int) []string {
		s := make([]string, len(idx))
		for k, i := range idx {
			s[k] = res.Plan.Targets[i].ID()
		}
		return s
	}
	first := func(idx []int) string { return res.Outcomes[idx[0]].detail }

	if idx := byKind[mismatchGoSum]; len(idx) > 0 {
		out = append(out, report.Finding{
			Severity: report.SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("go.sum disagrees with the checksum database %s for %s", sums.Database, moduleSubject(ids(idx))),
			Detail:    first(idx),
			Advice:    "Find which side changed before touching anything: look at go.sum's history in version control (git log -p go.sum) for the line named; the database is append-only and signed, so a go.sum line that differs from it was edited or came from different bytes. Restore the line from version control, or rerun `go mod download` and review the diff; do not wipe caches or delete go.sum blindly.",
			Endpoints: dbEndpoint, Modules: ids(idx),
		})
	}
	if idx := byKind[mismatchCache]; len(idx) > 0 {
		out = append(out, report.Finding{
			Severity: report.SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("the module cache holds bytes that do not match go.sum for %s: the go command fails with SECURITY ERROR", plural(len(idx), "module version")),
			Detail:    first(idx),
			Advice:    "Find which side changed: go.sum's history in version control (git log -p go.sum), and the cache (`go mod verify` names every altered entry). If go.sum is right, the cached copy was altered or corrupted: remove it (`go clean -modcache`, or that version's files under GOMODCACHE) and download again; never edit go.sum to match the cache.",
			Endpoints: []string{}, Modules: ids(idx),
		})
	}
	for _, m := range mirrors {
		idx := byMirror[m]
		ref := "go.sum"
		if sums.Status == report.SumDBVerified {
			ref = "the checksum database"
		}
		out = append(out, report.Finding{
			Severity: report.SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("mirror %s serves bytes that do not match %s for %s", m, ref, moduleSubject(ids(idx))),
			Detail:    first(idx),
			Advice:    "Treat this mirror as compromised or corrupted for these versions: find which side changed (go.sum in version control, or the mirror) by comparing with another mirror or the origin; report it to the mirror's operator; do not wipe caches or edit go.sum to match.",
			Endpoints: []string{m}, Modules: ids(idx),
		})
	}
	if idx := byKind[mismatchDB]; len(idx) > 0 {
		out = append(out, report.Finding{
			Severity: report.SeverityError, Cause: cause.ChecksumMismatch,
			Title:     fmt.Sprintf("checksum database %s answers do not verify: security error", sums.Database),
			Detail:    sums.Detail,
			Advice:    "Something between this machine and the database, or the database itself, is serving data not signed by the key in GOSUMDB. Check GOSUMDB's key, any proxy that proxies the database, and TLS interception; never disable GOSUMDB to get past this.",
			Endpoints: dbEndpoint, Modules: ids(idx),
		})
	}
	if len(missing) > 0 {
		mods := ids(missing)
		var dl []string
		for _, i := range missing {
			if !res.Plan.Targets[i].Toolchain {
				dl = append(dl, res.Plan.Targets[i].ID())
			}
		}
		f := report.Finding{
			Severity: report.SeverityError, Cause: res.Outcomes[missing[0]].cause,
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
	case report.SumDBUnavailable:
		sev, detail := report.SeverityWarning, "The go command asks the database only for lines go.sum lacks, so a build with a complete go.sum still works."
		if len(needDB) > 0 {
			sev = report.SeverityError
			detail = fmt.Sprintf("The build needs the database for %s (lines go.sum lacks, or a toolchain download): %s.", plural(len(needDB), "module version"), strings.Join(ids(needDB), ", "))
		}
		where := sums.URL
		if where == "" {
			where = sums.Database
		}
		out = append(out, report.Finding{
			Severity: sev, Cause: sums.Cause,
			Title:     fmt.Sprintf("checksum database %s unavailable at %s: %s", sums.Database, where, sums.Cause),
			Detail:    strings.TrimSpace(detail + " " + sums.Detail),
			Advice:    "Allow the database's host (or a GOPROXY that proxies it: <proxy>/sumdb/<name>/supported) through the firewall; keep go.sum complete and committed. Do not set GOSUMDB=off to get past it.",
			Endpoints: dbEndpoint, Modules: ids(needDB),
		})
	}
	if len(unknown) > 0 {
		out = append(out, report.Finding{
			Severity: report.SeverityNotice, Cause: cause.NotFound,
			Title:     fmt.Sprintf("%s unknown to the checksum database %s", moduleSubject(ids(unknown)), sums.Database),
			Detail:    "The database answered 404/410. go.sum's lines are used as they are; only a line go.sum lacks would fail the build.",
			Advice:    "If these modules are private, list them in GOPRIVATE or GONOSUMDB.",
			Endpoints: dbEndpoint, Modules: ids(unknown),
		})
	}
	return out
}
