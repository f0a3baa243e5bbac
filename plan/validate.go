package plan

import (
	"fmt"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/workspace"
)

// Validate refuses, with the go command's own error, the inputs on which
// the go command would not even start loading modules: -mod=mod in a
// workspace, -mod=vendor without a consistent vendor/modules.txt, and a
// module path it must fetch that module.CheckPath rejects. Errors name the
// file (and line where there is one), for an exit status of 2.
func Validate(wss []*workspace.Workspace, env *goenv.Env) error {
	modFlag := env.ModFlag()
	for _, ws := range wss {
		if ws.Work != "" && modFlag == "mod" {
			return fmt.Errorf("%s: -mod may only be set to readonly or vendor when in workspace mode, but GOFLAGS sets it to \"mod\": remove the -mod flag to use the default readonly value, or set GOWORK=off to disable workspace mode", ws.Work)
		}
		dir := filepath.Dir(ws.Root)
		legacy := semver.Compare("v"+ws.Go, "v1.14") < 0 && exists(filepath.Join(dir, "vendor", "modules.txt"))
		if modFlag == "vendor" && !ws.Vendored && !legacy && requires(ws) {
			// Before go 1.14 the go command does not check vendor/modules.txt.
			fix := "go mod vendor"
			if ws.Work != "" {
				fix = "go work vendor"
			}
			return fmt.Errorf("%s: inconsistent vendoring: GOFLAGS=-mod=vendor, but %s does not list every requirement (or the go line is older than 1.14): to ignore the vendor directory, use -mod=readonly or -mod=mod; to sync it, run `%s`",
				dir, filepath.Join(dir, "vendor", "modules.txt"), fix)
		}
		for _, m := range ws.Modules {
			for _, r := range m.Requires {
				if ws.Excluded(m, r.Version) {
					continue
				}
				path := r.Path
				if rep, ok := ws.Replacement(m, r.Version); ok {
					if rep.Local() {
						continue // never fetched: any path will do
					}
					path = rep.New.Path
				}
				if err := module.CheckPath(path); err != nil {
					return fmt.Errorf("%s:%d: %w", r.Pos.File, r.Pos.Line, err)
				}
			}
		}
	}
	return nil
}

func requires(ws *workspace.Workspace) bool {
	for _, m := range ws.Modules {
		if len(m.Requires) > 0 {
			return true
		}
	}
	return false
}
