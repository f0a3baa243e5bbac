package preflight

import (
	"strings"
	"time"

	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/report"
	"github.com/gopreflight/gopreflight/textguard"
	"github.com/gopreflight/gopreflight/verdict"
	"github.com/gopreflight/gopreflight/workspace"
)

// assemble puts the engine's result and the verdict into the one report
// the renderers read; netrc is the .netrc the run's requests used.
func assemble(res *checks.Result, v *verdict.Verdict, toolVersion string, started time.Time, wss []*workspace.Workspace, netrc []goenv.Credential) *report.Report {
	rep := &report.Report{
		Schema:         report.Schema,
		ToolVersion:    toolVersion,
		Started:        started.UTC().Truncate(time.Millisecond),
		Env:            envReport(res.Config.Env),
		Modules:        v.Modules,
		Endpoints:      v.Endpoints,
		Findings:       v.Findings,
		Recommendation: v.Recommendation,
		Ranking:        v.Ranking,
		Summary:        v.Summary,
		Checksums:      res.Checksums,
		Inputs:         []report.Input{},
	}
	vendored := map[string]bool{}
	for _, v := range res.Plan.Vendored {
		vendored[v] = true
	}
	for _, ws := range wss {
		for _, m := range ws.Modules {
			rep.Inputs = append(rep.Inputs, report.Input{
				File: m.File, Module: m.Path, Go: m.Go, Toolchain: m.Toolchain,
				Vendored: vendored[ws.Root],
			})
		}
	}
	// Servers, go.mod files and the environment supplied much of the
	// text above: redact every credential the run knows (echoes of them
	// too), escape control characters and bound lengths, once, here. URL
	// userinfo was redacted where each URL entered; the advice's own
	// USER:PASSWORD placeholders stay.
	env := res.Config.Env
	secrets := textguard.NewRedactor(env.KnownSecrets(netrc, res.Config.Candidates...))
	report.Sanitize(rep, secrets.Redact)
	rep.DurationMS = time.Since(started).Milliseconds()
	return rep
}

// envReport is the go environment the report shows, redacted.
func envReport(e *goenv.Env) map[string]string {
	m := map[string]string{}
	for _, k := range []string{"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOFLAGS", "GOINSECURE", "GOTOOLCHAIN"} {
		m[k] = goenv.Redact(e.Lookup(k))
	}
	for _, k := range []string{"https_proxy", "http_proxy", "no_proxy"} {
		v := e.Getenv(k)
		if v == "" {
			v = e.Getenv(strings.ToUpper(k))
		}
		m[k] = goenv.RedactProxy(v)
	}
	return m
}
