package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// TestQuick runs the whole harness at CI size: the real go command and a
// freshly built gopreflight against the synthesising proxy, then the
// tables, the plot and the README section.
func TestQuick(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed")
	}
	wd, _ := os.Getwd()
	root, err := moduleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(readme, []byte("# x\n\nbefore\n"+beginMarker+"\nstale\n"+endMarker+"\nafter\n"), 0o644)
	cfg := quickConfig()
	cfg.out = filepath.Join(dir, "out")
	cfg.readme = readme
	cfg.log = t.Logf
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := benchmark(ctx, root, cfg)
	if err != nil {
		t.Fatal(err)
	}

	if len(res.comparisons) != 1 {
		t.Fatalf("got %d comparisons, want 1", len(res.comparisons))
	}
	cmp := res.comparisons[0]
	n := cmp.versions
	for _, label := range []string{labelDownload, labelList, labelPreflight, labelPreflightMD} {
		ms := cmp.runs[label]
		if len(ms) != cfg.rounds || ms[0].wall <= cfg.latency {
			t.Errorf("%s: runs %+v: want %d, each longer than one request", label, ms, cfg.rounds)
		}
	}
	// Each contender really went to the proxy for every module version.
	reqs := func(label, kind string) int { return cmp.runs[label][0].reqs.byKind[kind] }
	if got := reqs(labelDownload, "GET .zip"); got != n {
		t.Errorf("go mod download fetched %d zips, want %d", got, n)
	}
	if got := reqs(labelList, "GET .mod"); got != n {
		t.Errorf("go list -m all fetched %d go.mod files, want %d", got, n)
	}
	if got := reqs(labelPreflight, "HEAD .zip") + reqs(labelPreflight, "GET .zip"); got != n {
		t.Errorf("gopreflight checked %d zips, want %d", got, n)
	}
	if got := reqs(labelPreflightMD, "HEAD .zip") + reqs(labelPreflightMD, "GET .zip"); got != 0 {
		t.Errorf("gopreflight --depth mod checked %d zips, want none", got)
	}
	for i, sp := range res.scaling {
		reqs, lat, bound := sp.bound(cfg.concurrency)
		if sp.versions != cfg.sizes[i] || reqs < 2*sp.versions || lat < cfg.latency || bound < lat {
			t.Errorf("scaling point %d: versions %d, %d requests, latency %s, bound %s", i, sp.versions, reqs, lat, bound)
		}
	}

	md, err := os.ReadFile(filepath.Join(cfg.out, "RESULTS.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| synthetic-12 | 12 |", "| 40 |", "| gopreflight --depth mod |", "scaling.svg"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("RESULTS.md lacks %q:\n%s", want, md)
		}
	}
	svg, err := os.ReadFile(filepath.Join(cfg.out, "scaling.svg"))
	if err != nil {
		t.Fatal(err)
	}
	paths := 0
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("scaling.svg is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			paths++
		}
	}
	if paths != 4 { // axes + three series
		t.Errorf("scaling.svg has %d paths, want 4", paths)
	}
	got, _ := os.ReadFile(readme)
	if !bytes.HasPrefix(got, []byte("# x\n\nbefore\n"+beginMarker+"\n")) || !bytes.HasSuffix(got, []byte(endMarker+"\nafter\n")) ||
		bytes.Contains(got, []byte("stale")) || !bytes.Contains(got, []byte("](out/scaling.svg)")) {
		t.Errorf("README section not rewritten in place:\n%s", got)
	}
}

func TestProjectGraph(t *testing.T) {
	tests := []struct {
		file     string
		minReqs  int
		fetched  module.Version // one that must be fetched
		replaces int            // module-version replacements kept
	}{
		{"kubernetes.mod", 200, module.Version{Path: "k8s.io/api", Version: "v0.0.0"}, 0},
		{"prometheus.mod", 150, module.Version{Path: "github.com/kylelemons/godebug", Version: "v1.1.0"}, 1},
		{"hugo.mod", 100, module.Version{Path: "cloud.google.com/go", Version: "v0.123.0"}, 0},
		{"terraform.mod", 200, module.Version{Path: "github.com/Netflix/go-expect", Version: "v0.0.0-20220104043353-73e0943537d2"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			g, err := projectGraph(filepath.Join("testdata", tt.file), "1.22.0")
			if err != nil {
				t.Fatal(err)
			}
			f, err := modfile.Parse("go.mod", g.gomod, nil)
			if err != nil {
				t.Fatalf("rewritten go.mod does not parse: %v\n%s", err, g.gomod)
			}
			if f.Go != nil && f.Go.Version > "1.22.0" {
				t.Errorf("go line %s not clamped to 1.22.0", f.Go.Version)
			}
			for _, r := range f.Replace {
				if r.New.Version == "" {
					t.Errorf("directory replacement kept: %v", r.Old)
				}
			}
			if len(f.Replace) != tt.replaces {
				t.Errorf("%d replacements kept, want %d", len(f.Replace), tt.replaces)
			}
			if len(f.Require) < tt.minReqs || len(g.fetched) > len(f.Require) {
				t.Errorf("%d requires, %d fetched; want at least %d requires", len(f.Require), len(g.fetched), tt.minReqs)
			}
			found := false
			for _, m := range g.fetched {
				found = found || m == tt.fetched
			}
			if !found {
				t.Errorf("%v not among the fetched versions", tt.fetched)
			}
			if f.Toolchain != nil || len(f.Godebug) > 0 || len(f.Tool) > 0 {
				t.Errorf("toolchain, godebug or tool line kept:\n%s", g.gomod)
			}
		})
	}
}

func TestBound(t *testing.T) {
	ms := func(total int, lat ...time.Duration) measurement {
		return measurement{reqs: requestStats{total: total, services: lat}}
	}
	ms50 := 50 * time.Millisecond
	sp := &scalePoint{versions: 100, runs: []measurement{
		ms(300, ms50, ms50, 70*time.Millisecond),
		ms(300, 40*time.Millisecond, ms50, ms50),
		ms(301, ms50, 60*time.Millisecond, 90*time.Millisecond),
	}}
	reqs, lat, bound := sp.bound(32)
	if reqs != 300 || lat != ms50 || bound != 10*ms50 { // ceil(300/32) = 10
		t.Errorf("bound = %d requests, %s latency, %s; want 300, 50ms, 500ms", reqs, lat, bound)
	}
}
