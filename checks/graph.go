package checks

import (
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/plan"
)

// ModGraph is what a requirement's go.mod says of the module graph: its
// go line and, for a requirement of a main module, its own requirements.
type ModGraph struct {
	Go       string
	Requires []module.Version
}

// graphFrom reads f for the module graph; only a main module's
// requirements (the graph's roots) keep their requirements.
func graphFrom(f *modfile.File, t *plan.Target) *ModGraph {
	g := &ModGraph{}
	if f.Go != nil {
		g.Go = f.Go.Version
	}
	if t.Need == plan.NeedZip {
		for _, r := range f.Require {
			g.Requires = append(g.Requires, r.Mod)
		}
	}
	return g
}

// graphOf parses a cached go.mod for the module graph; a go.mod that does
// not parse says nothing of it.
func graphOf(data []byte, t *plan.Target) *ModGraph {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return nil
	}
	return graphFrom(f, t)
}

// pruneGraph sets apart the go.mod files the build never reads. In a main
// module at go 1.17 or later the go command loads the go.mod of each
// requirement and, below a requirement whose own go.mod is older than
// go 1.17, of everything that one requires (cmd/go's readModGraph); go.sum
// keeps lines for more, left from older graphs. So when every requirement
// was served, its go.mod is at 1.17 or later and asks for no version above
// the one the main module selects (else the go command raises the
// selection and reads more), a go.mod known only from go.sum is outside
// the graph: whatever its route did, it is neither failed nor verified
// (a failure becomes skipped). When any requirement is unknown (not
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
		if !pruned[t.Workspace] {
			continue
		}
		o := &out[i]
		o.OutsideGraph = true
		if o.Status == StatusOK {
			continue
		}
		o.Status, o.Cause, o.Cold = StatusSkipped, cause.OK, nil
		o.Detail = "outside the module graph: go.sum keeps this line, but the main module and every requirement are at go 1.17 or later, so the go command never reads this go.mod"
	}
}

// requirementsPruned says whether every requirement of workspace ws was
// served with a go.mod at go 1.17 or later that requires nothing above
// what the main module selects.
func (r *runner) requirementsPruned(ws int, out []Outcome) bool {
	selected := map[string]string{}
	for _, t := range r.plan.Targets {
		if t.Workspace == ws && t.Need == plan.NeedZip && !t.Toolchain && t.Skip != "excluded" {
			req := t.Module
			if t.Required != nil {
				req = *t.Required // selection is of the path as required
			}
			selected[req.Path] = req.Version
		}
	}
	for i, t := range r.plan.Targets {
		if t.Workspace != ws || t.Need != plan.NeedZip || t.Toolchain || t.Skip == "excluded" {
			continue
		}
		o := out[i]
		if t.Skip != "" || o.Status != StatusOK || o.Graph == nil || !plan.Pruned(o.Graph.Go) {
			return false
		}
		for _, req := range o.Graph.Requires {
			// A higher version of a root makes the go command raise it
			// and read that go.mod too (cmd/go's expandGraph); a path
			// the main module does not list stays an unread node.
			if v, ok := selected[req.Path]; ok && semver.Compare(req.Version, v) > 0 {
				return false
			}
		}
	}
	return true
}
