package verdict

import (
	"fmt"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/checks"
	"github.com/gopreflight/gopreflight/goenv"
)

// inputFindings names what fails the build in go.mod itself, before any
// download: a local replacement directory that is missing, and a
// requirement written as a query, which `go build` (-mod=readonly, the
// default) refuses to resolve because that would change go.mod.
func (res result) inputFindings() []Finding {
	var out []Finding
	var missing, queries, hostless []int
	for i, t := range res.Plan.Targets {
		switch {
		case goenv.NoHost(res.Outcomes[i].Via) && res.Outcomes[i].Status != checks.StatusOK:
			hostless = append(hostless, i)
		case t.Problem != "":
			missing = append(missing, i)
		case t.Query && t.Skip == "" && res.Config.Env.ModFlag() != "mod":
			queries = append(queries, i)
		}
	}
	if len(missing) > 0 {
		var where, details []string
		for _, i := range missing {
			t := res.Plan.Targets[i]
			where = append(where, fmt.Sprintf("%s:%d", t.Pos.File, t.Pos.Line))
			details = append(details, t.ID()+": "+t.Problem)
		}
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.NotFound,
			Title:     fmt.Sprintf("%s replaced by a local directory that is missing", plural(len(missing), "module version")),
			Detail:    "The go command reads the replacement's go.mod from disk and fails (\"replacement directory … does not exist\") as soon as the module graph or a package needs it: " + strings.Join(details, "; ") + ". Required at " + strings.Join(where, ", ") + ".",
			Advice:    "Check out or create the directory (a git submodule not initialised, a path relative to the wrong go.mod), or drop the replace directive.",
			Endpoints: []string{}, Modules: res.ids(missing),
		})
	}
	if len(hostless) > 0 {
		via := res.Outcomes[hostless[0]].Via
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.TCPUnreachable,
			Title:     fmt.Sprintf("%s cannot be fetched: GOPROXY entry %s names no host", plural(len(hostless), "module version"), via),
			Detail:    "The go command accepts the entry, but every request to it fails (\"http: no Host in request URL\"); it moves on to the next entry only after '|', never after ','.",
			Advice:    "Fix GOPROXY: give the entry its host, or remove it.",
			Endpoints: []string{}, Modules: res.ids(hostless),
		})
	}
	if len(queries) > 0 {
		var lines []string
		var get []string
		for _, i := range queries {
			t := res.Plan.Targets[i]
			lines = append(lines, fmt.Sprintf("%s:%d: %s %s", t.Pos.File, t.Pos.Line, t.Module.Path, t.Module.Version))
			get = append(get, t.Module.Path+"@"+t.Module.Version)
		}
		out = append(out, Finding{
			Severity: SeverityError, Cause: cause.GoModUpdate,
			Title:     fmt.Sprintf("go.mod names %s where versions belong: `go build` fails with \"updates to go.mod needed\"", nQueries(len(queries))),
			Detail:    "A branch, a tag prefix such as v1.2, or another query is resolved only by commands allowed to rewrite go.mod (go get, go mod tidy, GOFLAGS=-mod=mod); `go build` and `go test` run with -mod=readonly and stop: " + strings.Join(lines, "; ") + ".",
			Advice:    "Run `go mod tidy` (or `go get` with each query) to write the versions the queries resolve to into go.mod, and commit it.",
			Fix:       "go get " + strings.Join(get, " ") + " && go mod tidy",
			Endpoints: []string{}, Modules: res.ids(queries),
		})
	}
	return out
}

// ids names the targets at idx, in that order.
func (res result) ids(idx []int) []string {
	s := make([]string, len(idx))
	for k, i := range idx {
		s[k] = res.Plan.Targets[i].ID()
	}
	return s
}

func nQueries(n int) string {
	if n == 1 {
		return "1 query"
	}
	return fmt.Sprintf("%d queries", n)
}
