package checks

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
)

// viaProxies walks GOPROXY as cmd/go's TryProxies does: after ',' only a
// 404 or 410 moves on, after '|' any error does; "direct" is the VCS
// route and "off" forbids downloads. The reported error is the most
// helpful one: direct's, then a proxy's real error, then not-found.
func (r *runner) viaProxies(ctx context.Context, t *plan.Target) Outcome {
	var best Outcome
	bestRank := -1
	var attempts []Attempt
	for _, e := range r.cfg.Proxies {
		var o Outcome
		rank := 0
		switch {
		case e.URL == goenv.Off:
			o = r.lookupDisabled()
		case e.URL == goenv.Direct:
			o = r.direct(ctx, t.Module, t.Need)
			rank = 2
		default:
			o = r.fromProxyOnce(ctx, e.URL, t)
			if !o.notExist() {
				rank = 1
			}
		}
		attempts = append(attempts, o.Attempts...)
		if o.Status == StatusOK {
			o.Attempts = attempts
			return o
		}
		if rank >= bestRank { // a later error of the same rank wins, as in cmd/go
			best, bestRank = o, rank
		}
		if e.URL == goenv.Off || e.URL == goenv.Direct || ctx.Err() != nil {
			// The deadline ends the walk where it stands: the next entry
			// was never asked and must not take the blame.
			break
		}
		if !e.FallBackOnError && !o.notExist() {
			break
		}
	}
	best.Attempts = attempts
	return best
}

// sharedOutcome is one proxy's answer for a module version that several
// workspaces need.
type sharedOutcome struct {
	done chan struct{}
	o    Outcome
}

// fromProxyOnce asks a proxy for a Shared target's version once; the
// other workspaces' targets reuse the answer and judge it by their own
// go.sum.
func (r *runner) fromProxyOnce(ctx context.Context, base string, t *plan.Target) Outcome {
	if !t.Shared {
		return r.fromProxy(ctx, base, t)
	}
	k := base + " " + t.ID() + " " + t.Need
	r.mu.Lock()
	if r.shared == nil {
		r.shared = map[string]*sharedOutcome{}
	}
	e, ok := r.shared[k]
	if !ok {
		e = &sharedOutcome{done: make(chan struct{})}
		r.shared[k] = e
	}
	r.mu.Unlock()
	if !ok {
		e.o = r.fromProxy(ctx, base, t)
		close(e.done)
		return e.o
	}
	select {
	case <-e.done:
		o := e.o
		o.Attempts = append([]Attempt(nil), e.o.Attempts...)
		return o
	case <-ctx.Done():
		return Outcome{Status: StatusTimeout, Cause: cause.Timeout, Via: r.redact(base), Detail: "deadline reached while another workspace's request was in flight"}
	}
}

// versionPath is <escaped path>/@v/<escaped version>.<ext>, the file a
// proxy serves for a module version.
func versionPath(m module.Version, ext string) (string, error) {
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", err
	}
	return ep + "/@v/" + ev + "." + ext, nil
}

// versionURL is versionPath below the proxy base URL, joined as the go
// command joins it (goenv.ProxyURL: before any query string).
func versionURL(base string, m module.Version, ext string) (string, error) {
	rel, err := versionPath(m, ext)
	if err != nil {
		return "", err
	}
	return goenv.ProxyURL(base, rel)
}

// needed lists the files the go command asks a proxy for: for a version
// needed only for its go.mod, the .mod alone (cmd/go's GoMod never asks
// for the .info of a canonical version; a module cache, a file://
// mirror built from one, or a caching proxy built on either has none);
// for a required module also the .info and, below --depth mod, the zip.
func needed(t *plan.Target, depth string) []string {
	if t.Need == plan.NeedMod {
		return []string{"mod"}
	}
	exts := []string{"info", "mod"}
	if depth != DepthMod {
		exts = append(exts, "zip")
	}
	return exts
}

// fromProxy asks one proxy (or file:// directory) for the files needed() lists: the .info and
// the .mod (the .mod alone for a go.mod-only version), and the zip (HEAD,
// or a one-byte range where HEAD is refused) when the build needs it. The
// requests run together; the first failure in protocol order decides.
func (r *runner) fromProxy(ctx context.Context, base string, t *plan.Target) Outcome {
	o := Outcome{Via: r.redact(base)}
	if goenv.NoHost(base) && !goenv.IsFile(base) {
		// Nothing is sent and no host is contacted: as for the go
		// command, the request fails, and only '|' moves on.
		o.Status, o.Cause = StatusUnreachable, cause.TCPUnreachable
		o.Detail = "GOPROXY entry " + o.Via + " names no host: the go command's requests to it fail (\"http: no Host in request URL\")"
		o.Attempts = []Attempt{{Source: o.Via, Cause: o.Cause, Detail: o.Detail}}
		return o
	}
	m := t.Module
	if module.CanonicalVersion(m.Version) != m.Version {
		// A query written in go.mod: resolve it as the go command would.
		v, atts, f := r.resolveQuery(ctx, base, m)
		o.Attempts = append(o.Attempts, atts...)
		if v == "" {
			o.fail(f)
			return o
		}
		m.Version = v
	}
	if goenv.IsFile(base) {
		return r.fromFileProxy(base, t, m, o.Attempts)
	}
	exts := needed(t, r.cfg.Depth)
	results := make([]fetched, len(exts))
	done := make(chan struct{}, len(exts))
	for i, ext := range exts {
		go func() {
			defer func() { done <- struct{}{} }()
			if ext == "zip" {
				results[i] = r.zip(ctx, base, m)
			} else {
				results[i] = r.askVersion(ctx, base, m, ext)
			}
		}()
	}
	for range exts {
		<-done
	}
	for i, f := range results {
		o.Attempts = append(o.Attempts, f.attempt)
		if !f.OK() {
			o.fail(f)
			return o
		}
		if exts[i] == "mod" {
			mf, c, d := checkMod(f.Body, t)
			if c != cause.OK {
				o.Status, o.Cause, o.Detail = statusOf(c), c, d
				o.Attempts[len(o.Attempts)-1].Cause = c
				o.Attempts[len(o.Attempts)-1].Detail = d
				return o
			}
			o.ModHash, o.Graph = modHash(f.Body), graphFrom(mf, t)
		}
		if exts[i] == "zip" && r.cfg.Depth == DepthFull {
			o.ZipHash = f.ZipHash
		}
	}
	o.Status, o.Cause = StatusOK, cause.OK
	return o
}

// checkMod verifies that a served go.mod parses and names the module
// (a replacement may name the path it replaces), and returns it parsed.
func checkMod(data []byte, t *plan.Target) (*modfile.File, cause.Code, string) {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil, cause.BadResponse, "go.mod does not parse: " + firstLine(err.Error())
	}
	if f.Module == nil {
		if strings.HasSuffix(t.Module.Version, "+incompatible") {
			return f, cause.OK, ""
		}
		return nil, cause.BadResponse, "go.mod has no module line"
	}
	got := f.Module.Mod.Path
	if got != t.Module.Path && (t.Required == nil || got != t.Required.Path) && !t.Toolchain {
		return nil, cause.BadResponse, "go.mod names module " + got
	}
	return f, cause.OK, ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// fetched is one request's result with its report attempt.
type fetched struct {
	probe.Result
	attempt Attempt
	// zipHash is the h1: hash of a spooled zip (--depth full).
	ZipHash string
}

// notExist says whether the proxy answered that the version does not
// exist: cmd/go decides the walk on the status alone, so a 404 or 410
// counts even when its body was judged a block page.
func (o *Outcome) notExist() bool {
	return o.Cause == cause.NotFound || o.StatusCode == http.StatusNotFound || o.StatusCode == http.StatusGone
}

func (o *Outcome) fail(f fetched) {
	o.Status, o.Cause, o.Detail = statusOf(f.Cause), f.Cause, f.Detail
	o.StatusCode = f.StatusCode
	if o.Detail == "" && f.StatusCode != 0 {
		o.Detail = f.URL + ": " + http.StatusText(f.StatusCode)
	}
}

func (r *runner) zip(ctx context.Context, base string, m module.Version) fetched {
	u, err := versionURL(base, m, "zip")
	if err != nil {
		return badPath(base, err)
	}
	if r.cfg.Depth == DepthFull {
		// Spooled to disk and hashed from there: whole zips in memory
		// would cost up to MaxBody per request in flight.
		f := r.send(ctx, base, probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantZip, Role: roleOf(m), MaxBody: probe.MaxZipBody, SpoolTo: os.TempDir()})
		if f.Spool != "" {
			f.ZipHash = zipFileHash(f.Spool)
			os.Remove(f.Spool)
			f.Spool = ""
		}
		return f
	}
	return r.record(base, r.cfg.Client.Servable(ctx, u, roleOf(m)))
}

// roleOf is the endpoint role of a request for m: toolchain downloads
// are told apart from modules.
func roleOf(m module.Version) probe.Role {
	if m.Path == plan.ToolchainModule {
		return probe.RoleToolchain
	}
	return probe.RoleProxy
}

// redact is goenv.Redact memoised: a run names one of a handful of
// sources (proxy bases, "direct") for every request and every outcome.
func (r *runner) redact(source string) string {
	if v, ok := r.redacted.Load(source); ok {
		return v.(string)
	}
	v := goenv.Redact(source)
	r.redacted.Store(source, v)
	return v
}

func badPath(base string, err error) fetched {
	d := "invalid module path or version: " + err.Error()
	return fetched{
		Result:  probe.Result{Cause: cause.NotFound, Detail: d},
		attempt: Attempt{Source: goenv.Redact(base), Cause: cause.NotFound, Detail: d},
	}
}

func (r *runner) send(ctx context.Context, source string, req probe.Request) fetched {
	return r.record(source, r.cfg.Client.Do(ctx, req))
}

// record keeps a request's result with the attempt it makes in the report.
func (r *runner) record(source string, res probe.Result) fetched {
	return fetched{Result: res, attempt: Attempt{
		Source:     r.redact(source),
		URL:        res.URL,
		StatusCode: res.StatusCode,
		Cause:      res.Cause,
		Detail:     res.Detail,
		DurationMS: res.Duration.Milliseconds(),
		Retries:    res.Retries,
	}}
}

// fileProxyPath is the file a file:// GOPROXY entry serves for rel, a
// path below a proxy's root.
func fileProxyPath(base, rel string) string {
	u, _ := url.Parse(base)
	return filepath.Join(filepath.FromSlash(u.Path), filepath.FromSlash(rel))
}

// fromFileProxy reads a file:// GOPROXY as the go command does.
func (r *runner) fromFileProxy(base string, t *plan.Target, m module.Version, attempts []Attempt) Outcome {
	o := Outcome{Via: base, Attempts: attempts}
	for _, ext := range needed(t, r.cfg.Depth) {
		rel, err := versionPath(m, ext)
		if err != nil {
			o.Status, o.Cause, o.Detail = StatusNotFound, cause.NotFound, err.Error()
			return o
		}
		p := fileProxyPath(base, rel)
		a := Attempt{Source: base, URL: "file://" + filepath.ToSlash(p), Cause: cause.OK}
		data, err := os.ReadFile(p)
		if err != nil {
			a.Cause, a.Detail = cause.NotFound, "no such file"
			o.Attempts = append(o.Attempts, a)
			o.Status, o.Cause, o.Detail = StatusNotFound, cause.NotFound, rel+": no such file"
			return o
		}
		o.Attempts = append(o.Attempts, a)
		if ext == "mod" {
			mf, c, d := checkMod(data, t)
			if c != cause.OK {
				o.Status, o.Cause, o.Detail = statusOf(c), c, d
				return o
			}
			o.ModHash, o.Graph = modHash(data), graphFrom(mf, t)
		}
	}
	o.Status, o.Cause = StatusOK, cause.OK
	return o
}
