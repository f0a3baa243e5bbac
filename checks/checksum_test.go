package checks

import (
	"testing"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/report"
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
		fetched   outcome
		answer    sumdb.Answer
		asked     bool
		lookups   *sumLookups
		modMod    bool
		status    string
		cause     cause.Code
		kind      string
		line      int // go.sum line the verdict is at, 0 for none
		needsDB   bool
		verified  bool
		exemption bool
	}{
		{name: "all agree", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: report.StatusOK, cause: cause.OK, verified: true},
		{name: "go.sum zip line edited", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(bad, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchGoSum, line: 1},
		{name: "go.sum go.mod line edited: the mirror agrees with the database", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(badMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchGoSum, line: 2},
		{name: "mirror and go.sum both changed: the mirror is named", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(badMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: badMod}, answer: verified, asked: true, lookups: on,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchMirror, line: 2},
		{name: "mirror zip differs at full depth", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod, zipHash: bad}, answer: verified, asked: true, lookups: on,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchMirror},
		{name: "GOSUMDB=off: the mirror against go.sum", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: badMod}, lookups: off,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchMirror},
		{name: "unreachable stays unreachable", target: plan.Target{Module: m, Need: plan.NeedZip},
			fetched: outcome{status: report.StatusUnreachable, cause: cause.TCPReset}, answer: verified, asked: true, lookups: on,
			status: report.StatusUnreachable, cause: cause.TCPReset, needsDB: true},
		{name: "answer does not verify", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: forged, asked: true, lookups: on,
			status: report.StatusChecksumMismatch, cause: cause.ChecksumMismatch, kind: mismatchDB},
		{name: "database down, go.sum complete", target: plan.Target{Module: m, Need: plan.NeedZip, Sum: sum(good, 1), ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: down, asked: true, lookups: on,
			status: report.StatusOK, cause: cause.OK},
		{name: "missing line", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: verified, asked: true, lookups: on,
			status: report.StatusMissingSum, cause: cause.MissingSum, needsDB: true},
		{name: "missing line, -mod=mod adds it from the database", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: verified, asked: true, lookups: on, modMod: true,
			status: report.StatusOK, cause: cause.OK, needsDB: true, verified: true},
		{name: "missing line, -mod=mod, database down", target: plan.Target{Module: m, Need: plan.NeedZip, ModSum: sum(goodMod, 2)},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, answer: down, asked: true, lookups: on, modMod: true,
			status: report.StatusMissingSum, cause: cause.TCPRefused, needsDB: true},
		{name: "missing line, -mod=mod, exempt", target: plan.Target{Module: m, Need: plan.NeedZip},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, lookups: on, modMod: true,
			status: report.StatusOK, cause: cause.OK, exemption: true},
		{name: "a query is not judged", target: plan.Target{Module: module.Version{Path: m.Path, Version: "v1.0"}, Need: plan.NeedZip},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, lookups: on,
			status: report.StatusOK, cause: cause.OK, exemption: true},
		{name: "toolchain with GOSUMDB=off", target: plan.Target{Module: m, Need: plan.NeedZip, Toolchain: true},
			fetched: outcome{status: report.StatusOK, modHash: goodMod}, lookups: off,
			status: report.StatusMissingSum, cause: cause.MissingSum, needsDB: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.fetched
			if o.status == report.StatusOK {
				o.cause = cause.OK
			}
			judge(&tc.target, &o, tc.answer, tc.asked, tc.lookups, tc.modMod, false)
			if o.status != tc.status || o.cause != tc.cause || o.sum.kind != tc.kind {
				t.Errorf("got %s/%s kind %q (%s), want %s/%s kind %q", o.status, o.cause, o.sum.kind, o.detail, tc.status, tc.cause, tc.kind)
			}
			line := 0
			if o.sum.at != nil {
				line = o.sum.at.Line
			}
			if line != tc.line && tc.kind == mismatchGoSum {
				t.Errorf("at go.sum line %d, want %d", line, tc.line)
			}
			if o.sum.needsDB != tc.needsDB || o.sum.verified != tc.verified || o.sum.exempt != tc.exemption {
				t.Errorf("needsDB %v verified %v exempt %v, want %v %v %v", o.sum.needsDB, o.sum.verified, o.sum.exempt, tc.needsDB, tc.verified, tc.exemption)
			}
		})
	}
}
