package checks

import (
	"context"
	"net/http"
	"strings"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/vcs"
)

// direct checks the VCS route the go command takes for GOPRIVATE modules
// and for "direct" in GOPROXY: find the repository (known host, a path
// naming its VCS, or ?go-get=1 discovery), rewrite it with git's insteadOf,
// then ask the repository for its refs over smart HTTP and look for the
// version's tag.
func (r *runner) direct(ctx context.Context, m module.Version, need string) Outcome {
	o := Outcome{Via: goenv.Direct}
	root, tried, ok := r.discover(ctx, m.Path)
	for _, f := range tried {
		o.Attempts = append(o.Attempts, f.attempt)
	}
	if !ok {
		f := tried[len(tried)-1]
		o.Status, o.Cause, o.Detail = statusOf(f.Cause), f.Cause, f.Detail
		return o
	}
	switch root.VCS {
	case "git":
	case "mod":
		// The repository is itself a module proxy.
		p := r.fromProxy(ctx, root.Repo, &plan.Target{Module: m, Need: need})
		p.Via, p.Attempts = goenv.Direct, append(o.Attempts, p.Attempts...)
		return p
	default:
		o.Status, o.Cause = StatusUnreachable, cause.VCSFailure
		o.Detail = "repository uses " + root.VCS + ", which gopreflight does not probe"
		return o
	}
	repo := root.Repo
	if r.cfg.InsteadOf != nil {
		repo = r.cfg.InsteadOf().Rewrite(repo)
	}
	refsURL := strings.TrimSuffix(repo, "/") + "/info/refs?service=git-upload-pack"
	res := r.send(ctx, goenv.Direct, probe.Request{Method: http.MethodGet, URL: refsURL, Want: cause.WantGitRefs, Role: probe.RoleVCS, MaxBody: probe.MaxGitRefsBody})
	o.Attempts = append(o.Attempts, res.attempt)
	if !res.OK() {
		o.Status, o.Cause, o.Detail = statusOf(res.Cause), res.Cause, res.Detail
		return o
	}
	refs, err := vcs.Refs(res.Body)
	if err != nil {
		o.Status, o.Cause, o.Detail = StatusUnreachable, cause.VCSFailure, "info/refs: "+err.Error()
		return o
	}
	found, detail := hasVersion(refs, root, m)
	if !found {
		o.Status, o.Cause, o.Detail = StatusNotFound, cause.NotFound, detail
		o.Attempts[len(o.Attempts)-1].Cause = cause.NotFound
		o.Attempts[len(o.Attempts)-1].Detail = detail
		return o
	}
	o.Status, o.Cause, o.Detail = StatusOK, cause.OK, detail
	return o
}

// discover resolves the module's repository. It returns the discovery
// requests made, in order; on failure there is at least one.
func (r *runner) discover(ctx context.Context, path string) (vcs.Root, []fetched, bool) {
	if root, ok := vcs.Static(path, "https"); ok {
		return root, nil, true
	}
	// GOINSECURE: as the go command does, try https without verifying the
	// certificate, then fall back to plain HTTP.
	insecure := r.cfg.Env.Insecure(path)
	schemes := []string{"https"}
	if insecure {
		schemes = append(schemes, "http")
	}
	var tried []fetched
	for _, s := range schemes {
		f := r.send(ctx, goenv.Direct, probe.Request{
			Method: http.MethodGet, URL: s + "://" + path + "?go-get=1",
			Want: cause.WantGoImport, Role: probe.RoleVCS, MaxBody: probe.MaxGoImportBody,
			Insecure: insecure,
		})
		tried = append(tried, f)
		// As cmd/go's web.get: only a transport error falls back to http;
		// an answer, even an error status, is the answer.
		if f.OK() || f.StatusCode != 0 {
			break
		}
	}
	f := &tried[len(tried)-1]
	if !f.OK() {
		return vcs.Root{}, tried, false
	}
	root, err := vcs.ParseGoImport(f.Body, path)
	if err != nil {
		f.Cause, f.Detail = cause.VCSFailure, err.Error()
		f.attempt.Cause, f.attempt.Detail = f.Cause, f.Detail
		return vcs.Root{}, tried, false
	}
	return root, tried, true
}

// hasVersion looks for the version among the advertised refs: a semver
// tag (prefixed by the module's subdirectory, without +incompatible), or
// for a pseudo-version, a ref at its commit.
func hasVersion(refs map[string]string, root vcs.Root, m module.Version) (bool, string) {
	prefix := root.Prefix
	v := strings.TrimSuffix(m.Version, "+incompatible")
	if module.IsPseudoVersion(v) {
		rev, err := module.PseudoVersionRev(v)
		if err != nil {
			return false, "malformed pseudo-version"
		}
		for _, h := range refs {
			if strings.HasPrefix(h, rev) {
				return true, "commit " + rev + " is a ref head"
			}
		}
		// Commits that are not ref heads are not advertised; the
		// repository answered, which is what the network can prove.
		return true, "repository reachable; commit " + rev + " is not a ref head, so not verified"
	}
	sub := strings.TrimPrefix(strings.TrimPrefix(m.Path, prefix), "/")
	if sub != "" {
		// Major-version suffixes live in the path, not the tag prefix.
		if i := strings.LastIndex(sub, "/v"); i >= 0 || strings.HasPrefix(sub, "v") {
			if _, _, ok := module.SplitPathVersion(m.Path); ok {
				base, _, _ := module.SplitPathVersion(m.Path)
				sub = strings.TrimPrefix(strings.TrimPrefix(base, prefix), "/")
			}
		}
	}
	if root.SubDir != "" {
		// The go-import subdirectory field: the module lives (and is
		// tagged) below that directory of the repository.
		sub = strings.Trim(root.SubDir+"/"+sub, "/")
	}
	tag := v
	if sub != "" {
		tag = sub + "/" + v
	}
	if _, ok := refs["refs/tags/"+tag]; ok {
		return true, "tag " + tag
	}
	tags := vcs.TagNames(refs)
	if len(tags) > 8 {
		tags = tags[len(tags)-8:]
	}
	return false, "no tag " + tag + " in the repository (tags: " + strings.Join(tags, ", ") + ")"
}
