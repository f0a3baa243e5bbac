package checks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
)

// query is a version query written in go.mod, parsed as cmd/go's
// modload.newQueryMatcher parses it. go.mod's queries are resolved with
// no current version and no filter (modload's fixVersion calls Query with
// current "" and allowed nil): "upgrade" is "latest", "patch" has no
// base, retractions and excludes play no part.
type query struct {
	text string
	// stat: a revision or a complete version (v1.0.0+meta), asked for by
	// name through .info rather than chosen from @v/list.
	stat               bool
	prefix             string
	filter             func(v string) bool
	preferLower        bool
	mayUseLatest       bool
	preferIncompatible bool
}

// parseQuery parses q for the module path; its errors are the go
// command's, which it gives before any request.
func parseQuery(path, q string) (*query, error) {
	qm := &query{text: q}
	// matchesMajor: a bound above the path's major version (v2 for a
	// path without /v2) lets +incompatible versions in.
	matchesMajor := func(v string) bool {
		_, pathMajor, ok := module.SplitPathVersion(path)
		return ok && module.CheckPathMajor(v, pathMajor) == nil
	}
	bound := func(op string) (string, error) {
		v := q[len(op):]
		if !semver.IsValid(v) {
			return "", fmt.Errorf("invalid semantic version %q in range %q", v, q)
		}
		if (op == "<=" || op == ">") && isPrefix(v) {
			// v1.2 might mean v1.2.3: the go command refuses to guess.
			return "", fmt.Errorf("ambiguous semantic version %q in range %q", v, q)
		}
		qm.preferIncompatible = !matchesMajor(v)
		return v, nil
	}
	switch {
	case q == "latest", q == "upgrade":
		qm.mayUseLatest = true
	case q == "patch":
		return nil, fmt.Errorf("can't query version %q of module %s: no existing version is required", q, path)
	case strings.HasPrefix(q, "<="):
		v, err := bound("<=")
		if err != nil {
			return nil, err
		}
		qm.filter = func(mv string) bool { return semver.Compare(mv, v) <= 0 }
	case strings.HasPrefix(q, "<"):
		v, err := bound("<")
		if err != nil {
			return nil, err
		}
		qm.filter = func(mv string) bool { return semver.Compare(mv, v) < 0 }
	case strings.HasPrefix(q, ">="):
		v, err := bound(">=")
		if err != nil {
			return nil, err
		}
		qm.filter = func(mv string) bool { return semver.Compare(mv, v) >= 0 }
		qm.preferLower = true
	case strings.HasPrefix(q, ">"):
		v, err := bound(">")
		if err != nil {
			return nil, err
		}
		qm.filter = func(mv string) bool { return semver.Compare(mv, v) > 0 }
		qm.preferLower = true
	case semver.IsValid(q):
		if isPrefix(q) {
			// v1.2 matches neither v1.20.0 nor v1.2.0's pre-releases
			// (golang.org/issue/31972).
			qm.prefix = q + "."
			qm.filter = func(mv string) bool { return semver.Compare(mv, q) >= 0 }
		} else {
			qm.stat = true
		}
		qm.preferIncompatible = !matchesMajor(q)
	default:
		qm.stat = true // a branch, a tag, a commit
	}
	return qm, nil
}

// isPrefix says whether a valid semantic version is a prefix (v1, v1.2),
// as gover.ModIsPrefix does for module paths.
func isPrefix(v string) bool {
	return !strings.ContainsAny(v, "-+") && strings.Count(v, ".") < 2
}

func (qm *query) allows(v string) bool {
	return strings.HasPrefix(v, qm.prefix) && (qm.filter == nil || qm.filter(v))
}

// resolveQuery resolves a version query written in go.mod through one
// proxy as cmd/go's modload.queryProxy does: a revision or a complete
// version through its .info (a +meta version falls back to the version
// without it); otherwise the releases @v/list names that the query
// allows (pre-releases only when no release matches), the highest or,
// for > and >=, the lowest; for latest and upgrade with nothing listed,
// @latest, else the newest pseudo-version @v/list names. It returns the
// version and the requests made, or "" and the failure that decides.
func (r *runner) resolveQuery(ctx context.Context, base string, m module.Version) (string, []Attempt, fetched) {
	qm, err := parseQuery(m.Path, m.Version)
	if err != nil {
		// No request is made: the go command stops on the query itself.
		d := m.Path + "@" + m.Version + ": " + err.Error()
		f := fetched{Result: probe.Result{Cause: cause.NotFound, Detail: d}, attempt: Attempt{Source: r.redact(base), Cause: cause.NotFound, Detail: d}}
		return "", []Attempt{f.attempt}, f
	}
	if qm.stat {
		f := r.askVersion(ctx, base, m, "info")
		atts := []Attempt{f.attempt}
		if c := module.CanonicalVersion(m.Version); !f.OK() && c != "" && c != m.Version && notExist(f) {
			// Semantic versioning makes v1.0.0+meta and v1.0.0 equal.
			fc := r.askVersion(ctx, base, module.Version{Path: m.Path, Version: c}, "info")
			atts = append(atts, fc.attempt)
			if fc.OK() || !notExist(fc) {
				f = fc // else the query's own not-found is the error, as in cmd/go
			}
		}
		if !f.OK() {
			return "", atts, f
		}
		v, f := infoVersion(f)
		atts[len(atts)-1] = f.attempt
		return v, atts, f
	}

	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return "", nil, badPath(base, err)
	}
	list := r.ask(ctx, base, ep+"/@v/list", cause.WantList, probe.MaxListBody, probe.RoleProxy)
	atts := []Attempt{list.attempt}
	if !list.OK() {
		return "", atts, list
	}
	var versions []string
	for _, v := range listedVersions(list.Body) {
		if strings.HasPrefix(v, qm.prefix) && !module.IsPseudoVersion(v) {
			versions = append(versions, v)
		}
	}
	semver.Sort(versions)
	releases, prereleases, f, atts2 := r.filterVersions(ctx, base, m.Path, qm, versions)
	atts = append(atts, atts2...)
	if f != nil {
		return "", atts, *f
	}
	for _, vs := range [][]string{releases, prereleases} {
		if len(vs) == 0 {
			continue
		}
		if qm.preferLower {
			return vs[0], atts, list
		}
		return vs[len(vs)-1], atts, list
	}
	if qm.mayUseLatest {
		lf := r.ask(ctx, base, ep+"/@latest", cause.WantInfo, 0, probe.RoleProxy)
		atts = append(atts, lf.attempt)
		v := ""
		switch {
		case lf.OK():
			if v, lf = infoVersion(lf); v == "" {
				atts[len(atts)-1] = lf.attempt
				return "", atts, lf
			}
		case notExist(lf):
			v = latestPseudo(string(list.Body))
		default:
			return "", atts, lf
		}
		if v != "" && qm.allows(v) {
			return v, atts, lf
		}
	}
	d := fmt.Sprintf("%s@%s: no matching versions for query %q", m.Path, m.Version, m.Version)
	list.Cause, list.Detail = cause.NotFound, d
	list.attempt.Cause, list.attempt.Detail = list.Cause, d
	atts[0] = list.attempt
	return "", atts, list
}

// filterVersions splits the sorted versions qm allows into releases and
// pre-releases, as cmd/go's queryMatcher.filterVersions does: past a
// compatible version whose go.mod is the module's own (not the one a
// proxy synthesises for a legacy module), +incompatible versions are
// left out unless the query asks for a higher major version. Reading
// that go.mod is a request; its failure is returned.
func (r *runner) filterVersions(ctx context.Context, base, path string, qm *query, versions []string) (releases, prereleases []string, failed *fetched, atts []Attempt) {
	needIncompatible := qm.preferIncompatible
	lastCompatible := ""
	for _, v := range versions {
		if !qm.allows(v) {
			continue
		}
		if !needIncompatible {
			if !strings.HasSuffix(v, "+incompatible") {
				lastCompatible = v
			} else if lastCompatible != "" {
				f := r.askVersion(ctx, base, module.Version{Path: path, Version: lastCompatible}, "mod")
				atts = append(atts, f.attempt)
				if !f.OK() {
					return nil, nil, &f, atts
				}
				if !bytes.Equal(f.Body, []byte("module "+modfile.AutoQuote(path)+"\n")) {
					break // module-aware: every higher version is +incompatible
				}
				needIncompatible = true
			}
		}
		if semver.Prerelease(v) != "" {
			prereleases = append(prereleases, v)
		} else {
			releases = append(releases, v)
		}
	}
	return releases, prereleases, nil, atts
}

// listedVersions is the versions an @v/list body names: the first field
// of each line that is a valid semantic version, in the body's order.
func listedVersions(body []byte) []string {
	var vs []string
	for _, line := range strings.Split(string(body), "\n") {
		if f := strings.Fields(line); len(f) > 0 && semver.IsValid(f[0]) {
			vs = append(vs, f[0])
		}
	}
	return vs
}

// latestPseudo is the newest pseudo-version (by its listed time, else its
// own) in an @v/list body: cmd/go's fallback when a proxy has no @latest.
func latestPseudo(list string) string {
	var best string
	var bestTime time.Time
	for _, line := range strings.Split(list, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !semver.IsValid(f[0]) {
			continue
		}
		var t time.Time
		if len(f) >= 2 {
			t, _ = time.Parse(time.RFC3339, f[1])
		} else if module.IsPseudoVersion(f[0]) {
			t, _ = module.PseudoVersionTime(f[0])
		} else {
			continue
		}
		if bestTime.Before(t) {
			best, bestTime = f[0], t
		}
	}
	return best
}

// infoVersion is the version an .info (or @latest) answer names; an
// answer naming none is a bad response.
func infoVersion(f fetched) (string, fetched) {
	var info struct{ Version string }
	if err := json.Unmarshal(f.Body, &info); err != nil || info.Version == "" {
		f.Cause, f.Detail = cause.BadResponse, f.URL+": the answer names no version"
		f.attempt.Cause, f.attempt.Detail = f.Cause, f.Detail
		return "", f
	}
	return info.Version, f
}

// notExist says whether a request was answered "no such version" (404
// or 410), the answers after which cmd/go tries something else.
func notExist(f fetched) bool {
	return f.Cause == cause.NotFound || f.StatusCode == http.StatusNotFound || f.StatusCode == http.StatusGone
}

// askVersion asks a proxy (or file:// directory) for one of a version's
// files (.info or .mod).
func (r *runner) askVersion(ctx context.Context, base string, m module.Version, ext string) fetched {
	rel, err := versionPath(m, ext)
	if err != nil {
		return badPath(base, err)
	}
	if ext == "mod" {
		return r.ask(ctx, base, rel, cause.WantMod, probe.MaxModBody, roleOf(m))
	}
	return r.ask(ctx, base, rel, cause.WantInfo, 0, roleOf(m))
}

// ask fetches rel below a proxy: over HTTP, or from the directory a
// file:// GOPROXY entry names, where a missing file is a 404 as for the
// go command.
func (r *runner) ask(ctx context.Context, base, rel string, want cause.Want, max int64, role probe.Role) fetched {
	if !goenv.IsFile(base) {
		u, err := goenv.ProxyURL(base, rel)
		if err != nil {
			return badPath(base, err)
		}
		return r.send(ctx, base, probe.Request{Method: http.MethodGet, URL: u, Want: want, Role: role, MaxBody: max})
	}
	p := fileProxyPath(base, rel)
	res := probe.Result{URL: "file://" + filepath.ToSlash(p), StatusCode: http.StatusOK, Cause: cause.OK}
	data, err := os.ReadFile(p)
	if err != nil {
		res.StatusCode, res.Cause, res.Detail = http.StatusNotFound, cause.NotFound, rel+": no such file"
	}
	res.Body = data
	return r.record(base, res)
}
