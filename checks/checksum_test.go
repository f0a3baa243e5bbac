package checks

import (
	"testing"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/sumdb"
	"github.com/gopreflight/gopreflight/workspace"
)

// TestJudge pins the precedence of checksum verdicts: a fetch failure
// stays; the mirror's bytes outrank go.sum's text; go.sum is blamed only
// when the mirror agrees with the database; a database answer that does
// not verify is never ok; missing_sum last, and not where -mod=mod can add
// the line.
func TestJudge(t *testing.T) {
	const (
		good, bad       = "h1:good=", "h1:bad="
		goodMod, badMod = "h1:goodmod=", "h1:badmod="
	)
	m := module.Version{Path: "example.test/a", Version: "v1.0.0"}
	sum := func(h string, line int) *workspace.Sum {
		return &workspace.Sum{Version: m, Hash: h, Pos: workspace.Pos{File: "go.sum", Line: line}}
	}
	verified := sumdb.Answer{Zip: good, Mod: goodMod}
	down := sumdb.Answer{Fail: &sumdb.Failure{Cause: cause.TCPRefused, Detail: "refused"}}
	forged := sumdb.Answer{Fail: &sumdb.Failure{Cause: cause.ChecksumMismatch, Security: true, Detail: "bad signature"}}
	on := &sumLookups{}
	off := &sumLookups{off: true, gosumdbOff: true}
	for _, tc := range []struct {
		name      string
		target    plan.Target
		fetched   Outcome
		answer    sumdb.Answer
		asked     bool
		lookups   *sumLookups
		modMod    bool
		status    Status
		cause     cause.Code
		kind      string
		line      int // go.sum line the verdict is at, 0 for none
		needsDB   bool
		verified  bool
		exemption bool
	}{
		{name: "all agree", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: StatusOK, cause: cause.OK, verified: true},
		{name: "go.sum zip line edited", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(bad, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchGoSum, line: 1},
		{name: "go.sum go.mod line edited: the mirror agrees with the database", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(badMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchGoSum, line: 2},
		{name: "mirror and go.sum both changed: the mirror is named", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(badMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: badMod}, answer: verified, asked: true, lookups: on,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchMirror, line: 2},
		{name: "mirror zip differs at full depth", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod, ZipHash: bad}, answer: verified, asked: true, lookups: on,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchMirror},
		{name: "GOSUMDB=off: the mirror against go.sum", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: badMod}, lookups: off,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchMirror},
		{name: "unreachable stays unreachable", target: plan.Target{Module: m, Need: plan.NeedZip},
			fetched: Outcome{Status: StatusUnreachable, Cause: cause.TCPReset}, answer: verified, asked: true, lookups: on,
			status: StatusUnreachable, cause: cause.TCPReset, needsDB: true},
		{name: "answer does not verify", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: forged, asked: true, lookups: on,
			status: StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: MismatchDB},
		{name: "database down, go.sum complete", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: down, asked: true, lookups: on,
			status: StatusOK, cause: cause.OK},
		{name: "missing line", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: StatusMissingSum, cause: cause.MissingSum, needsDB: true},
		{name: "missing line, -mod=mod adds it from the database", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: verified, asked: true, lookups: on, modMod: true,
			status: StatusOK, cause: cause.OK, needsDB: true, verified: true},
		{name: "missing line, -mod=mod, database down", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, answer: down, asked: true, lookups: on, modMod: true,
			status: StatusMissingSum, cause: cause.TCPRefused, needsDB: true},
		{name: "missing line, -mod=mod, exempt", target: plan.Target{Module: m, Need: plan.NeedZip},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, lookups: on, modMod: true,
			status: StatusOK, cause: cause.OK, exemption: true},
		{name: "a query is not judged", target: plan.Target{Module: module.Version{Path: m.Path, Version: "v1.0"}, Need: plan.NeedZip},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, lookups: on,
			status: StatusOK, cause: cause.OK, exemption: true},
		{name: "toolchain with GOSUMDB=off", target: plan.Target{Module: m, Need: plan.NeedZip, Toolchain: true},
			fetched: Outcome{Status: StatusOK, ModHash: goodMod}, lookups: off,
			status: StatusMissingSum, cause: cause.MissingSum, needsDB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.fetched
			if o.Status == StatusOK {
				o.Cause = cause.OK
			}
			judge(&tc.target, &o, tc.answer, tc.asked, tc.lookups, tc.modMod, false)
			if o.Status != tc.status || o.Cause != tc.cause || o.Sum.Kind != tc.kind {
				t.Errorf("got %s/%s kind %q (%s), want %s/%s kind %q", o.Status, o.Cause, o.Sum.Kind, o.Detail, tc.status, tc.cause, tc.kind)
			}
			line := 0
			if o.Sum.At != nil {
				line = o.Sum.At.Line
			}
			if line != tc.line && tc.kind == MismatchGoSum {
				t.Errorf("at go.sum line %d, want %d", line, tc.line)
			}
			if o.Sum.NeedsDB != tc.needsDB || o.Sum.Verified != tc.verified || o.Sum.Exempt != tc.exemption {
				t.Errorf("needsDB %v verified %v exempt %v, want %v %v %v", o.Sum.NeedsDB, o.Sum.Verified, o.Sum.Exempt, tc.needsDB, tc.verified, tc.exemption)
			}
		})
	}
}
