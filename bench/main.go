// Command bench measures gopreflight against the go command, side by side
// in one run, on the go.mod files of large public projects (testdata/) and
// on synthetic graphs of 100 to 5,000 module versions, all served by a
// loopback proxy that synthesises every module version with an injected
// per-request latency. It writes a Markdown table (RESULTS.md), a plot
// (scaling.svg) and, with -readme, the README's benchmark section.
//
// The full run is manual (several minutes), from the repository root:
//
//	go run ./bench -readme README.md
//
// `go run ./bench -quick` (and TestQuick, part of `go test ./...`) runs a
// small graph in a few seconds to prove the harness works.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// config is one benchmark run.
type config struct {
	rounds      int           // alternating rounds of the comparison
	scaleRounds int           // rounds of each scaling size
	latency     time.Duration // injected per request
	concurrency int           // gopreflight --concurrency
	inputs      []string      // testdata go.mod files, or "synthetic:N"
	sizes       []int         // scaling series
	out         string        // directory for RESULTS.md and scaling.svg
	readme      string        // README to update; "" for none
	log         func(format string, args ...any)
}

func defaultConfig() config {
	return config{
		rounds:      3,
		scaleRounds: 3,
		latency:     50 * time.Millisecond,
		concurrency: 32,
		inputs:      []string{"testdata/kubernetes.mod", "testdata/prometheus.mod", "testdata/hugo.mod", "testdata/terraform.mod"},
		sizes:       []int{100, 1000, 5000},
		out:         ".",
	}
}

// quickConfig is the CI-sized run: small graphs, short latency, one round.
func quickConfig() config {
	c := defaultConfig()
	c.rounds, c.scaleRounds = 1, 1
	c.latency = 5 * time.Millisecond
	c.inputs = []string{"synthetic:12"}
	c.sizes = []int{8, 40}
	return c
}

func main() {
	cfg := defaultConfig()
	quick := flag.Bool("quick", false, "CI-sized run: small graphs, 5ms latency, one round")
	rounds := flag.Int("rounds", 0, "alternating rounds per comparison (default 3)")
	latency := flag.Duration("latency", 0, "injected latency per request (default 50ms)")
	sizes := flag.String("sizes", "", "scaling series, comma-separated module version counts (default 100,1000,5000)")
	inputs := flag.String("inputs", "", "comparison inputs, comma-separated: testdata go.mod files or synthetic:N")
	out := flag.String("out", "", "directory for RESULTS.md and scaling.svg (default bench/)")
	readme := flag.String("readme", "", "README whose benchmark section to rewrite")
	flag.IntVar(&cfg.concurrency, "concurrency", cfg.concurrency, "gopreflight --concurrency")
	flag.Parse()
	if *quick {
		c := cfg.concurrency
		cfg = quickConfig()
		cfg.concurrency = c
	}
	if *rounds > 0 {
		cfg.rounds, cfg.scaleRounds = *rounds, *rounds
	}
	if *latency > 0 {
		cfg.latency = *latency
	}
	if *sizes != "" {
		cfg.sizes = nil
		for _, s := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "bench: -sizes: %q is not a positive count\n", s)
				os.Exit(2)
			}
			cfg.sizes = append(cfg.sizes, n)
		}
	}
	if *inputs != "" {
		cfg.inputs = strings.Split(*inputs, ",")
	}
	cfg.readme = *readme
	cfg.log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := start(ctx, cfg, *out); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// start finds the module, places the outputs (bench/ unless out is given;
// relative paths are relative to the working directory) and runs cfg.
func start(ctx context.Context, cfg config, out string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return err
	}
	cfg.out = filepath.Join(root, "bench")
	if out != "" {
		cfg.out = abs(wd, out)
	}
	if cfg.readme != "" {
		cfg.readme = abs(wd, cfg.readme)
	}
	for i, in := range cfg.inputs {
		if !strings.HasPrefix(in, "synthetic:") {
			cfg.inputs[i] = abs(filepath.Join(root, "bench"), in)
		}
	}
	_, err = benchmark(ctx, root, cfg)
	return err
}

func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// results are everything a run measured.
type results struct {
	started     time.Time
	goVersion   string
	cfg         config
	comparisons []*comparison
	scaling     []*scalePoint
}

// comparison is the side-by-side run on one graph.
type comparison struct {
	graph    string
	versions int
	cmds     []command
	runs     map[string][]measurement // by command label
}

// scalePoint is gopreflight alone on a synthetic graph.
type scalePoint struct {
	versions int
	runs     []measurement
}

// Labels of the contenders.
const (
	labelDownload    = "go mod download"
	labelList        = "go list -m all"
	labelPreflight   = "gopreflight"
	labelPreflightMD = "gopreflight --depth mod"
)

// benchmark runs cfg with the gopreflight module at root.
func benchmark(ctx context.Context, root string, cfg config) (*results, error) {
	res := &results{started: time.Now(), cfg: cfg}
	scratch, err := os.MkdirTemp("", "gopreflight-bench-")
	if err != nil {
		return nil, err
	}
	defer removeAll(scratch)
	if res.goVersion, err = goVersion(ctx); err != nil {
		return nil, err
	}
	exe, err := buildPreflight(ctx, root, scratch)
	if err != nil {
		return nil, err
	}
	p, err := startProxy(scratch, cfg.latency)
	if err != nil {
		return nil, err
	}
	defer p.close()
	r := &runner{p: p, scratch: scratch, path: os.Getenv("PATH")}

	// Long enough for 5,000 versions at any sane latency.
	timeout := "--timeout=30m"
	conc := "--concurrency=" + strconv.Itoa(cfg.concurrency)
	cmds := []command{
		{label: labelDownload, argv: []string{"go", "mod", "download"}},
		{label: labelList, argv: []string{"go", "list", "-m", "all"}},
		{label: labelPreflight, argv: []string{exe, "--format=json", timeout, conc}, preflight: true},
		{label: labelPreflightMD, argv: []string{exe, "--format=json", "--depth=mod", timeout, conc}, preflight: true},
	}
	for _, in := range cfg.inputs {
		g, err := loadInput(in, res.goVersion)
		if err != nil {
			return nil, err
		}
		sum, err := g.gosum(p)
		if err != nil {
			return nil, err
		}
		c := &comparison{graph: g.name, versions: len(g.fetched), cmds: cmds, runs: map[string][]measurement{}}
		for round := 0; round < cfg.rounds; round++ {
			// Alternate the order so that no command always runs first.
			for i := range cmds {
				cmd := cmds[(i+round)%len(cmds)]
				m, err := r.run(ctx, g, sum, cmd)
				if err != nil {
					return nil, err
				}
				c.runs[cmd.label] = append(c.runs[cmd.label], m)
				cfg.logf("%s round %d: %-24s %8s  %5d requests, %d connections", g.name, round+1, cmd.label, m.wall.Round(time.Millisecond), m.reqs.total, m.reqs.conns)
			}
		}
		res.comparisons = append(res.comparisons, c)
	}
	for _, n := range cfg.sizes {
		g := syntheticGraph(n)
		sum, err := g.gosum(p)
		if err != nil {
			return nil, err
		}
		sp := &scalePoint{versions: n}
		for round := 0; round < cfg.scaleRounds; round++ {
			m, err := r.run(ctx, g, sum, cmds[2])
			if err != nil {
				return nil, err
			}
			sp.runs = append(sp.runs, m)
			cfg.logf("scaling %d versions round %d: %s, %d requests, %d connections, peak RSS %d MiB", n, round+1, m.wall.Round(time.Millisecond), m.reqs.total, m.reqs.conns, m.rssKB>>10)
		}
		res.scaling = append(res.scaling, sp)
	}
	if err := res.write(); err != nil {
		return nil, err
	}
	return res, nil
}

func (c config) logf(format string, args ...any) {
	if c.log != nil {
		c.log(format, args...)
	}
}

func loadInput(in, goVersion string) (*graph, error) {
	if n, ok := strings.CutPrefix(in, "synthetic:"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("input %q: want synthetic:N", in)
		}
		return syntheticGraph(v), nil
	}
	return projectGraph(in, goVersion)
}

// machine describes where the figures were taken.
func machine() string {
	return fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
