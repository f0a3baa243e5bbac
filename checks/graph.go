package checks

import (
	"golang.org/x/mod/modfile"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
)

// pruneGraph drops the go.mod files the build never reads. In a main
// module at go 1.17 or later the go command loads the go.mod of each
// requirement and, below a requirement whose own go.mod is older than
// go 1.17, of everything that one requires (cmd/go's readModGraph); go.sum
// keeps lines for more, left from older graphs. So when every
// requirement was served and its go.mod is at 1.17 or later, a go.mod
// known only from go.sum is outside the graph: whatever its route did,
// it is skipped, not failed. When any requirement is unknown (not
// served, from a local directory, fetched by VCS, ignored), every such
// go.mod stays checked, as it may be reached.
func (r *runner) pruneGraph(out []Outcome) {
	pruned := map[int]bool{}
	for i, t := range r.plan.Targets {
		if !t.GraphOnly {
			continue
		}
		if _, ok := pruned[t.Workspace]; !ok {
			pruned[t.Workspace] = r.requirementsPruned(t.Workspace, out)
		}
		if !pruned[t.Workspace] || out[i].Status == StatusOK {
			continue
		}
		o := &out[i]
		o.Status, o.Cause, o.Cold, o.OutsideGraph = StatusSkipped, cause.OK, nil, true
		o.Detail = "outside the module graph: go.sum keeps this line, but the main module and every requirement are at go 1.17 or later, so the go command never reads this go.mod"
	}
}

// requirementsPruned says whether every requirement of workspace ws was
// served with a go.mod at go 1.17 or later.
func (r *runner) requirementsPruned(ws int, out []Outcome) bool {
	for i, t := range r.plan.Targets {
		if t.Workspace != ws || t.Need != plan.NeedZip || t.Toolchain || t.Skip == "excluded" {
			continue
		}
		o := out[i]
		if t.Skip != "" || o.Status != StatusOK || !o.ModRead || !plan.Pruned(o.ModGo) {
			return false
		}
	}
	return true
}

// modGoLine is the go line of a go.mod ("" when it has none or does not
// parse).
func modGoLine(data []byte) string {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil || f.Go == nil {
		return ""
	}
	return f.Go.Version
}
