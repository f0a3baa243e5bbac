package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gopreflight/gopreflight/ghactions"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/report"
)

// actionInputs maps the action's inputs (action.yml, contract §8) to
// flags. action.yml hands each input to the binary as INPUT_<NAME> in
// env:, as the runner does for other actions; a flag given on the command
// line wins.
var actionInputs = []string{"proxy", "candidates", "depth", "checksums", "fail-on", "ignore", "timeout", "cache", "set-env", "summary", "annotations",
	"offline", "ca-file", "request-timeout", "concurrency", "retries", "resolver", "format", "output", "verbose"}

// applyInputs sets the flags that INPUT_* variables name and that the
// command line left unset, and returns the paths of the path input.
func applyInputs(fs *flag.FlagSet, getenv func(string) string) ([]string, error) {
	if !ghactions.Active(getenv) {
		return nil, nil
	}
	gh := ghactions.New(io.Discard, getenv)
	for _, name := range actionInputs {
		v := gh.Input(name)
		if v == "" || flagSet(fs, name) {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return nil, fmt.Errorf("input %s: %w", name, err)
		}
	}
	var paths []string
	for _, p := range strings.Split(gh.Input("path"), "\n") {
		if p = strings.TrimSpace(p); p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// maskSecrets tells the runner to hide every credential the run could
// print, in every shape the report redacts (goenv.KnownSecrets): those in
// GOPROXY (and --proxy, --candidates), GOSUMDB, GOAUTH, the proxy
// variables, and the .netrc logins and passwords. It writes to stderr so
// that stdout stays the report.
func maskSecrets(stderr io.Writer, getenv func(string) string, env *goenv.Env, opts *options) {
	gh := ghactions.New(stderr, getenv)
	for _, s := range env.KnownSecrets(env.Netrc(), append([]string{opts.check.Proxy}, opts.check.Candidates...)...) {
		gh.Mask(s)
	}
}

// publish hands the run's results to the Actions runner: step outputs,
// the job summary and, with --set-env, the recommended GOPROXY for later
// steps. A runner file that cannot be written is a warning, not a failure
// of the check.
func publish(opts *options, getenv func(string) string, rep *report.Report, stderr io.Writer) {
	gh := ghactions.New(stderr, getenv)
	said := map[string]bool{}
	warn := func(err error) {
		if err == nil {
			return
		}
		// One missing runner file fails every output: say it once.
		if msg := goenv.Redact(err.Error()); !said[msg] {
			said[msg] = true
			fmt.Fprintf(stderr, "gopreflight: %s\n", msg)
		}
	}
	reportPath, err := writeRunnerReport(opts, getenv, rep)
	warn(err)
	outputs := [][2]string{
		{"passed", fmt.Sprint(rep.Summary.Passed)},
		{"unreachable", fmt.Sprint(rep.Summary.Unreachable)},
		{"not-found", fmt.Sprint(rep.Summary.NotFound)},
		{"recommended-goproxy", rep.Recommendation.GOPROXY},
		{"fastest-proxy", rep.FastestProxy()},
		{"report", reportPath},
	}
	for _, o := range outputs {
		warn(gh.SetOutput(o[0], o[1]))
	}
	if opts.summary {
		warn(gh.AddSummary(report.MarkdownSummary(rep, report.SummaryBudget)))
	}
	if opts.setEnv && rep.Recommendation.GOPROXY != "" {
		v, err := unredactProxyList(rep.Recommendation.GOPROXY, configuredProxies(opts))
		warn(err)
		if err == nil {
			warn(gh.SetEnv("GOPROXY", v))
		}
	}
}

// setEnvElsewhere says why --set-env did nothing outside GitHub Actions,
// and what to do instead.
func setEnvElsewhere(rep *report.Report) string {
	msg := "--set-env did nothing: it exports GOPROXY to the later steps of a GitHub Actions job (GITHUB_ENV), and this is not one (GITHUB_ACTIONS is not true)"
	switch rec := rep.Recommendation.GOPROXY; {
	case rec == "":
		return msg + "; nor is there a GOPROXY to recommend"
	case strings.Contains(rec, "***"):
		return msg + "; to use the recommendation here, set GOPROXY=" + rec + " with your credentials in place of ***"
	default:
		return msg + "; to use the recommendation here: export GOPROXY='" + rec + "'"
	}
}

// configuredProxies are the proxy URLs as configured, GOPROXY's entries
// and the candidates: the report redacts credentials, but the GOPROXY
// later steps use must keep them (the runner masks them).
func configuredProxies(opts *options) []string {
	raw := append([]string(nil), opts.check.Candidates...)
	if opts.check.Env == nil {
		return raw
	}
	if proxies, err := goenv.ParseProxyList(opts.check.Env.GOPROXY); err == nil {
		for _, e := range proxies {
			raw = append(raw, e.URL)
		}
	}
	return raw
}

// unredactProxyList puts back the credentials Redact took out of each
// entry of a GOPROXY list, from the configured URLs it was built from.
func unredactProxyList(list string, raw []string) (string, error) {
	entries, err := goenv.ParseProxyList(list)
	if err != nil {
		return "", fmt.Errorf("recommended GOPROXY: %w", err)
	}
	for i, e := range entries {
		if e.URL == goenv.Direct || e.URL == goenv.Off {
			continue
		}
		for _, r := range raw {
			if goenv.Redact(r) == e.URL {
				entries[i].URL = r
				break
			}
		}
		if strings.Contains(entries[i].URL, "***") {
			return "", fmt.Errorf("--set-env: no configured proxy matches %s; GOPROXY left unchanged", e.URL)
		}
	}
	return goenv.FormatProxyList(entries), nil
}

// writeRunnerReport writes the JSON report for the report output: the
// --output file when given, else a new file under RUNNER_TEMP.
func writeRunnerReport(opts *options, getenv func(string) string, rep *report.Report) (string, error) {
	if opts.output != "" {
		return absPath(opts.output), nil // run writes it
	}
	dir := getenv("RUNNER_TEMP")
	if dir == "" {
		dir = os.TempDir()
	}
	f, err := os.CreateTemp(dir, "gopreflight-report-*.json")
	if err != nil {
		return "", fmt.Errorf("report output: %w", err)
	}
	if err := report.JSON(f, rep); err != nil {
		f.Close()
		return "", fmt.Errorf("report output %s: %w", f.Name(), err)
	}
	return f.Name(), f.Close()
}

// absPath makes a report path absolute for the step output.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
