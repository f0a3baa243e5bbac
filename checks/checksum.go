package checks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/sumdb"
	"github.com/gopreflight/gopreflight/workspace"
)

// Kinds of checksum mismatch, for findings: each names a different side
// that changed.
const (
	MismatchGoSum  = "gosum"  // a go.sum line differs from the database
	MismatchMirror = "mirror" // the bytes a mirror served differ
	MismatchDB     = "sumdb"  // the database's answer does not verify
	MismatchCache  = "cache"  // the module cache's copy differs
	// MismatchCacheAltered: the cache's zip or extracted directory no
	// longer matches the hash recorded at download (--depth full). `go
	// mod verify` fails; go build, which does not re-hash them, succeeds.
	MismatchCacheAltered = "cache_altered"
)

// SumCheck is what checksum verification concluded for one target.
type SumCheck struct {
	Kind string
	// at is the go.sum line a go.sum mismatch is reported at.
	At *workspace.Pos
	// needsDB: the build must ask the database (go.sum lacks a line the
	// go command would add, or the toolchain module).
	NeedsDB  bool
	Verified bool
	Unknown  bool
	Exempt   bool
	Hashed   bool
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
	p := startPool(ctx, len(jobs), r.cfg.Client.Concurrency(), func(k int) {
		i := jobs[k]
		t := r.plan.Targets[i]
		a := l.db.Lookup(t.Module, t.Need == plan.NeedZip)
		mu.Lock()
		l.answers[i] = a
		mu.Unlock()
	})
	return func() *sumLookups {
		p.waitDeadline(ctx)
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
func (r *runner) verifySums(out []Outcome, l *sumLookups) Checksums {
	env := r.cfg.Env
	sum := Checksums{Status: SumDBNotUsed, Cause: cause.OK}
	if cfg, err := goenv.ParseSumDB(env.GOSUMDB); err == nil && !cfg.Off {
		sum.Database = cfg.Name
	}
	if l.off {
		sum.Status, sum.Detail = SumDBOff, "go.sum is compared with the bytes mirrors serve only"
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
		sum.Status = SumDBVerified
		if loc.Fail != nil {
			dbFail = loc.Fail
		}
	}
	modFlag := env.ModFlag()
	for i, t := range r.plan.Targets {
		o := &out[i]
		if t.Skip != "" || o.OutsideGraph {
			continue
		}
		a, asked := l.answers[i]
		if a.Fail != nil && (dbFail == nil || a.Fail.Security && !dbFail.Security) {
			dbFail = a.Fail
		}
		// A workspace adds missing lines to go.work.sum whatever -mod
		// says, as -mod=mod adds them to go.sum.
		modMod := modFlag == "mod" || t.Work
		judge(t, o, a, asked, l, modMod, l.unreachable[i])
		if o.Cold != nil {
			// What a cold cache would meet: the route's bytes, judged alike.
			judge(t, o.Cold, a, asked, l, modMod, false)
		}
		s := o.Sum
		switch {
		case s.Exempt:
			sum.Exempt++
		case s.Unknown:
			sum.Unknown++
		}
		if s.Verified {
			sum.Verified++
		}
		if s.Hashed {
			sum.MirrorHashed++
		}
		if o.Status == StatusChecksumMismatch {
			sum.Mismatched++
		}
		if o.Status == StatusMissingSum {
			sum.MissingSum++
		}
	}
	if dbFail != nil {
		sum.Cause, sum.Detail = dbFail.Cause, dbFail.Detail
		sum.Status = SumDBUnavailable
		if dbFail.Security {
			sum.Status = SumDBSecurity
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
// matches its recorded hash (--depth full) is reported too: `go mod
// verify` fails on it, though go build uses it.
func judgeCache(t *plan.Target, o *Outcome, a sumdb.Answer, verifiedDB bool, mismatch func(kind, what string)) {
	s := &o.Sum
	check := func(got string, line *workspace.Sum, dbHash, what string) {
		switch {
		case got == "":
		case line != nil && line.Hash != got:
			mismatch(MismatchCache, fmt.Sprintf("the module cache's %s hashes to %s, %s has %s", what, got, posString(line.Pos), line.Hash))
			if s.At == nil {
				s.At = &line.Pos
			}
		case line == nil && verifiedDB && dbHash != "" && dbHash != got:
			mismatch(MismatchCache, fmt.Sprintf("the module cache's %s hashes to %s, the checksum database has %s", what, got, dbHash))
		}
	}
	check(o.ModHash, t.ModSum, a.Mod, "go.mod of "+t.ID())
	check(o.ZipHash, t.Sum, a.Zip, "zip of "+t.ID())
	if o.Modified != "" {
		mismatch(MismatchCacheAltered, "go mod verify fails for "+t.ID()+": "+o.Modified+"; go build uses it as it is")
		if s.At == nil && t.Sum != nil {
			s.At = &t.Sum.Pos
		}
	}
}

// judge decides one target's checksum verdict. Precedence: a module that
// cannot be fetched keeps that status; then checksum_mismatch (the mirror,
// go.sum, or the database's answer); then missing_sum.
//
// offlineDB: --offline, and the go command would ask the database to add a
// line go.sum lacks, which it cannot do with no network.
func judge(t *plan.Target, o *Outcome, a sumdb.Answer, asked bool, l *sumLookups, modMod, offlineDB bool) {
	s := &o.Sum
	s.Exempt = !asked && !l.off && !t.Toolchain
	s.Unknown = asked && a.Unknown
	verifiedDB := asked && a.Fail == nil && !a.Unknown
	lacking := t.ModSum == nil || t.Need == plan.NeedZip && t.Sum == nil
	if t.Toolchain {
		lacking = true // never in go.sum: always verified by the database
	}
	s.NeedsDB = lacking && (asked || t.Toolchain)
	if o.Status != StatusOK || module.CanonicalVersion(t.Module.Version) != t.Module.Version {
		// Not fetched, or a query the go command resolves (and records
		// under the version it resolves to).
		return
	}
	s.Hashed = o.Via != ViaCache && (o.ModHash != "" || o.ZipHash != "")

	var problems []string
	kind := ""
	mismatch := func(k, what string) {
		switch {
		case kind == MismatchMirror:
			// the mirror's bytes outrank go.sum's text
		case (k == MismatchCache || k == MismatchCacheAltered) && kind != "":
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
			mismatch(MismatchGoSum, fmt.Sprintf("%s has %s %s/go.mod %s, %s has %s", posString(t.ModSum.Pos), t.Module.Path, t.Module.Version, t.ModSum.Hash, db, a.Mod))
			s.At = &t.ModSum.Pos
		}
		if t.Sum != nil && a.Zip != "" && t.Sum.Hash != a.Zip {
			mismatch(MismatchGoSum, fmt.Sprintf("%s has %s %s %s, %s has %s", posString(t.Sum.Pos), t.Module.Path, t.Module.Version, t.Sum.Hash, db, a.Zip))
			s.At = &t.Sum.Pos
		}
	}
	if o.Via == ViaCache {
		judgeCache(t, o, a, verifiedDB, mismatch)
	} else if verifiedDB {
		db := "the checksum database"
		if o.ModHash != "" && o.ModHash != a.Mod {
			mismatch(MismatchMirror, fmt.Sprintf("the go.mod %s served hashes to %s, %s has %s", o.Via, o.ModHash, db, a.Mod))
		}
		if o.ZipHash != "" && a.Zip != "" && o.ZipHash != a.Zip {
			mismatch(MismatchMirror, fmt.Sprintf("the zip %s served hashes to %s, %s has %s", o.Via, o.ZipHash, db, a.Zip))
		}
	} else {
		// Without the database, go.sum is the reference the go command
		// checks downloads against.
		if o.ModHash != "" && t.ModSum != nil && o.ModHash != t.ModSum.Hash {
			mismatch(MismatchMirror, fmt.Sprintf("the go.mod %s served hashes to %s, %s has %s", o.Via, o.ModHash, posString(t.ModSum.Pos), t.ModSum.Hash))
		}
		if o.ZipHash != "" && t.Sum != nil && o.ZipHash != t.Sum.Hash {
			mismatch(MismatchMirror, fmt.Sprintf("the zip %s served hashes to %s, %s has %s", o.Via, o.ZipHash, posString(t.Sum.Pos), t.Sum.Hash))
		}
	}
	if kind != "" {
		s.Kind = kind
		o.Status, o.Cause = StatusChecksumMismatch, cause.ChecksumMismatch
		o.Detail = strings.Join(problems, "; ")
		return
	}
	if asked && a.Fail != nil && a.Fail.Security {
		s.Kind = MismatchDB
		o.Status, o.Cause = StatusChecksumMismatch, cause.ChecksumMismatch
		o.Detail = "cannot be verified: the checksum database's answer does not verify (" + a.Fail.Detail + ")"
		return
	}
	s.Verified = verifiedDB
	if !lacking {
		return
	}
	// go.sum lacks a line the build needs: the go command fails with
	// "missing go.sum entry" unless -mod=mod or workspace mode lets it add
	// the line, which it does from the database when GONOSUMDB does not
	// exempt the module. The toolchain, never in go.sum, always comes from
	// the database.
	fromDB := modMod || t.Toolchain
	but := "-mod=mod would add it, but "
	if t.Work {
		but = "workspace mode would add it to go.work.sum, but "
	}
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
	s.Verified = false
	// Where the database is what keeps the go command from adding the
	// line, its failure is the cause.
	o.Status, o.Cause = StatusMissingSum, cause.MissingSum
	if fromDB && asked && a.Fail != nil {
		o.Cause = a.Fail.Cause
	}
	lines := "no go.sum line"
	if t.Toolchain {
		lines = "no checksum"
	}
	o.Detail = lines + " for " + t.ID() + ": " + why
}

func posString(p workspace.Pos) string { return fmt.Sprintf("%s:%d", p.File, p.Line) }
