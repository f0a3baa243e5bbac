package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The action's contract (contract §8).
var (
	specInputs = []string{"path", "proxy", "candidates", "depth", "checksums", "fail-on", "ignore", "timeout", "cache", "set-env", "summary", "annotations",
		// Added so that the action has the CLI's knobs (issue 15).
		"offline", "ca-file", "request-timeout", "concurrency", "retries", "resolver", "format", "output", "verbose"}
	specOutputs = []string{"passed", "unreachable", "not-found", "recommended-goproxy", "fastest-proxy", "report"}
)

// actionFile is action.yml read just enough to check it: the keys under
// inputs: and outputs:, each key's default/value, and the run: scripts.
type actionFile struct {
	inputs, outputs map[string]map[string]string
	runs            []string
	env             map[string]string // every step's env:, merged
}

func readAction(t *testing.T) actionFile {
	t.Helper()
	data, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	a := actionFile{inputs: map[string]map[string]string{}, outputs: map[string]map[string]string{}, env: map[string]string{}}
	lines := strings.Split(string(data), "\n")
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	section, key, inEnv := "", "", false
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch n := indent(l); {
		case n == 0:
			section = k
		case n == 2 && (section == "inputs" || section == "outputs"):
			key = k
			m := a.inputs
			if section == "outputs" {
				m = a.outputs
			}
			m[key] = map[string]string{}
		case n == 4 && (section == "inputs" || section == "outputs"):
			m := a.inputs
			if section == "outputs" {
				m = a.outputs
			}
			m[key][k] = v
		case section == "runs" && strings.TrimLeft(k, "- ") == "run":
			if v == "|" {
				var script []string
				for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || indent(lines[i+1]) > n) {
					i++
					script = append(script, lines[i])
				}
				a.runs = append(a.runs, strings.Join(script, "\n"))
			} else {
				a.runs = append(a.runs, v)
			}
			inEnv = false
		case section == "runs" && strings.TrimLeft(k, "- ") == "env":
			inEnv = true
		case section == "runs" && inEnv && n == 8:
			a.env[k] = v
		case section == "runs" && n <= 6:
			inEnv = false
		}
	}
	return a
}

func keys(m map[string]map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// TestActionMetadata checks action.yml against the contract: exactly the
// inputs and outputs of contract §8, each input handed to the binary
// as INPUT_* in env: (the binary reads exactly those), no expression in a
// run: script (script injection), and the offline vendored build.
func TestActionMetadata(t *testing.T) {
	a := readAction(t)
	if got, want := strings.Join(keys(a.inputs), " "), strings.Join(sorted(specInputs), " "); got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	if got, want := strings.Join(keys(a.outputs), " "), strings.Join(sorted(specOutputs), " "); got != want {
		t.Errorf("outputs %s, want %s", got, want)
	}
	if got, want := strings.Join(sorted(append([]string{"path"}, actionInputs...)), " "), strings.Join(sorted(specInputs), " "); got != want {
		t.Errorf("the binary reads inputs %s, want %s", got, want)
	}
	for name, want := range map[string]string{"path": ".", "cache": "auto", "set-env": "false", "summary": "true", "annotations": "true"} {
		if got := a.inputs[name]["default"]; got != want {
			t.Errorf("input %s: default %q, want %q", name, got, want)
		}
	}
	for _, name := range specInputs {
		env := "INPUT_" + strings.ToUpper(name)
		if got, want := a.env[env], "${{ inputs."+name+" }}"; got != want {
			t.Errorf("env %s = %q, want %q", env, got, want)
		}
	}
	for _, name := range specOutputs {
		if got, want := a.outputs[name]["value"], "${{ steps.check.outputs."+name+" }}"; got != want {
			t.Errorf("output %s = %q, want %q", name, got, want)
		}
	}
	if len(a.runs) != 3 {
		t.Fatalf("%d run: scripts, want 3 (locate, build, check)", len(a.runs))
	}
	for _, r := range a.runs {
		if strings.Contains(r, "${{") {
			t.Errorf("run: script holds an expression (script injection):\n%s", r)
		}
	}
	for i, verb := range []string{"key", "build"} {
		// readAction trims the quotes around a value, the last one too.
		if want := `bash "$GITHUB_ACTION_PATH/action/binary.sh" ` + verb + ` >> "$GITHUB_OUTPUT`; a.runs[i] != want {
			t.Errorf("run: script %d is %q, want %q", i+1, a.runs[i], want)
		}
	}
	if a.env["GOPREFLIGHT_BIN"] != "${{ steps.bin.outputs.bin }}" || a.env["GOPREFLIGHT_REF"] != "${{ github.action_ref }}" {
		t.Errorf("the binary's path or the action's ref do not reach action/binary.sh: %q", a.env)
	}
}

// TestActionlint runs actionlint, pinned in tools/ and built offline from
// tools/vendor, over the workflows and, through their uses: ./, over
// action.yml; then over a copy with a misspelt input, to show that it
// reads them.
func TestActionlint(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: cannot build actionlint")
	}
	bin := filepath.Join(t.TempDir(), "actionlint")
	build := exec.Command("go", "build", "-o", bin, "github.com/rhysd/actionlint/cmd/actionlint")
	build.Dir = "tools"
	build.Env = append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building actionlint: %v\n%s", err, out)
	}
	workflows, err := filepath.Glob(filepath.Join(".github", "workflows", "*.yml"))
	if err != nil || len(workflows) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	lint := func(dir string) (string, error) {
		cmd := exec.Command(bin, append([]string{"-no-color", "-shellcheck=", "-pyflakes="}, workflows...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := lint("."); err != nil {
		t.Errorf("actionlint: %v\n%s", err, out)
	}

	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, ".github", "workflows"), 0o755)
	os.Mkdir(filepath.Join(bad, ".git"), 0o755) // actionlint's project root
	for _, f := range append([]string{"action.yml"}, workflows...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = regexp.MustCompile(`(?m)^(\s+)set-env: true$`).ReplaceAll(data, []byte("${1}set-env-typo: true"))
		os.WriteFile(filepath.Join(bad, f), data, 0o644)
	}
	out, err := lint(bad)
	if err == nil || !strings.Contains(out, `input "set-env-typo" is not defined in action`) {
		t.Errorf("actionlint did not catch a misspelt input of uses: ./ (err %v):\n%s", err, out)
	}
}

// binaryScript runs action/binary.sh as action.yml does, with env on top
// of this process's environment; it returns the KEY=VALUE lines it
// printed (for GITHUB_OUTPUT), its stderr and its exit code.
func binaryScript(t *testing.T, verb string, env ...string) (map[string]string, string, int) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join("action", "binary.sh"), verb)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("binary.sh %s: %v", verb, err)
		}
		code = exit.ExitCode()
	}
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = v
		}
	}
	return out, stderr.String(), code
}

// TestActionBinaryKey checks the cache key and the stamped version the
// action computes: a release ref is the version; another ref, outside a
// git checkout, is named with the source hash, never "devel"; the key
// holds the OS, architecture and the job's Go, and changes with the
// version.
func TestActionBinaryKey(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	goVersion := strings.TrimSpace(string(mustRun(t, exec.Command("go", "env", "GOVERSION"))))
	tmp := t.TempDir()
	base := []string{"RUNNER_TEMP=" + tmp, "RUNNER_OS=Linux", "RUNNER_ARCH=X64", "GIT_DIR=" + filepath.Join(tmp, "no-git"), "GOTOOLCHAIN=local"}
	tests := []struct {
		ref         string
		wantVersion *regexp.Regexp
	}{
		{"v1.2.3", regexp.MustCompile(`^v1\.2\.3$`)},
		{"v1.2.3-rc.1", regexp.MustCompile(`^v1\.2\.3-rc\.1$`)},
		{"v1", regexp.MustCompile(`^v1\+[0-9a-f]{12}$`)},
		{"main", regexp.MustCompile(`^main\+[0-9a-f]{12}$`)},
		{"feature/x;rm -rf", regexp.MustCompile(`^feature-x-rm--rf\+[0-9a-f]{12}$`)},
		{"", regexp.MustCompile(`^source\+[0-9a-f]{12}$`)},
	}
	keys, dirs := map[string]string{}, map[string]string{}
	for _, tt := range tests {
		out, stderr, code := binaryScript(t, "key", append(base, "GOPREFLIGHT_REF="+tt.ref)...)
		if code != 0 {
			t.Fatalf("ref %q: exit %d: %s", tt.ref, code, stderr)
		}
		if !tt.wantVersion.MatchString(out["version"]) {
			t.Errorf("ref %q: version %q, want %s", tt.ref, out["version"], tt.wantVersion)
		}
		if dir, _ := filepath.Split(out["dir"]); dir != tmp+"/gopreflight-bin/" || !strings.Contains(out["key"], "-"+filepath.Base(out["dir"])) {
			t.Errorf("ref %q: dir %q, want %s/gopreflight-bin/ and the first characters of the key's id", tt.ref, out["dir"], tmp)
		}
		if other, dup := dirs[out["dir"]]; dup {
			t.Errorf("refs %q and %q share the binary's directory %s", other, tt.ref, out["dir"])
		}
		dirs[out["dir"]] = tt.ref
		if out["bin"] != out["dir"]+"/gopreflight" {
			t.Errorf("ref %q: bin %q, want %q", tt.ref, out["bin"], out["dir"]+"/gopreflight")
		}
		if !strings.HasPrefix(out["key"], "gopreflight-Linux-X64-") || !strings.HasSuffix(out["key"], "-"+goVersion) {
			t.Errorf("ref %q: key %q, want gopreflight-Linux-X64-…-%s", tt.ref, out["key"], goVersion)
		}
		if rk := out["restore-keys"]; out["key"] != rk+goVersion {
			t.Errorf("ref %q: restore-keys %q is not the key %q without the Go version", tt.ref, rk, out["key"])
		}
		if other, dup := keys[out["key"]]; dup {
			t.Errorf("refs %q and %q share the key %s though their versions differ", other, tt.ref, out["key"])
		}
		keys[out["key"]] = tt.ref
	}
	again, _, _ := binaryScript(t, "key", append(base, "GOPREFLIGHT_REF=main")...)
	if keys[again["key"]] != "main" {
		t.Errorf("the key for ref main changed between two runs: %q", again["key"])
	}
	// In a git checkout (uses: ./), git describe names the commit.
	if _, err := exec.LookPath("git"); err == nil && exec.Command("git", "rev-parse", "--git-dir").Run() == nil {
		out, _, _ := binaryScript(t, "key", "RUNNER_TEMP="+tmp, "GOPREFLIGHT_REF=")
		head := strings.TrimSpace(string(mustRun(t, exec.Command("git", "rev-parse", "--short=7", "HEAD"))))
		if !strings.Contains(out["version"], head[:7]) {
			t.Errorf("in a git checkout: version %q does not name HEAD %s", out["version"], head)
		}
	}
}

// TestActionBinaryVersionCompare checks the comparison that decides
// whether the job's Go can build gopreflight itself.
func TestActionBinaryVersionCompare(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	tests := []struct {
		a, b string
		ge   bool
	}{
		{"1.26.8", "1.23.0", true},
		{"1.23.0", "1.23.0", true},
		{"1.23", "1.23.0", true},
		{"1.22.6", "1.23.0", false},
		{"1.23rc1", "1.23.0", false},
		{"1.21rc2", "1.21", false},
		{"1.21.0", "1.21", true},
		{"1.20.14", "1.21", false},
		{"1.100.0", "1.23.0", true},
		{"go1.9", "1.23.0", false},
	}
	for _, tt := range tests {
		cmd := exec.Command("bash", "-c", `eval "$(sed -n '/^version_ge()/,/^}/p' action/binary.sh)"; version_ge "$0" "$1"`, tt.a, tt.b)
		err := cmd.Run()
		if got := err == nil; got != tt.ge {
			t.Errorf("version_ge %s %s = %v (%v), want %v", tt.a, tt.b, got, err, tt.ge)
		}
	}
}

// TestActionBinaryBuild builds the action's binary as action.yml does
// (action/binary.sh build, the local go, no module download: GOPROXY=off
// and GOFLAGS=-mod=vendor inside the script, for this machine whatever
// GOOS/GOARCH the job set), then runs the script again
// to see it keep the working binary, and once with no go on PATH.
func TestActionBinaryBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"bash", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	bin := filepath.Join(t.TempDir(), "bin", "gopreflight")
	// The job's own settings (a cross-compiling GOOS/GOARCH, -mod=mod)
	// must not reach the action's build.
	env := []string{"GOPREFLIGHT_BIN=" + bin, "GOPREFLIGHT_VERSION=v9.8.7-test", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOOS=plan9", "GOARCH=arm"}
	out, stderr, code := binaryScript(t, "build", env...)
	if code != 0 || out["from"] != "build" {
		t.Fatalf("build: exit %d, from=%q:\n%s", code, out["from"], stderr)
	}
	version := string(mustRun(t, exec.Command(bin, "--version")))
	if !strings.HasPrefix(version, "gopreflight v9.8.7-test") {
		t.Errorf("--version of the action's binary:\n%s\nwant the stamped version v9.8.7-test", version)
	}

	out, stderr, code = binaryScript(t, "build", env...)
	if code != 0 || out["from"] != "cache" || !strings.Contains(stderr, "v9.8.7-test") {
		t.Errorf("second run: exit %d, from=%q, want the existing binary (from=cache):\n%s", code, out["from"], stderr)
	}

	// No go and no binary: one error saying what to add.
	noGo := []string{"GOPREFLIGHT_BIN=" + filepath.Join(t.TempDir(), "gopreflight"), "PATH=" + pathWithout(t, "go")}
	_, stderr, code = binaryScript(t, "build", noGo...)
	if code != 2 || !strings.Contains(stderr, "::error title=gopreflight::no go command on PATH and no cached gopreflight binary: add actions/setup-go") {
		t.Errorf("no go: exit %d, want 2 and an error naming setup-go:\n%s", code, stderr)
	}
}

// TestActionToolchainPin checks the toolchain an older Go is told to
// fetch: a real release name, at least go.mod's go line.
func TestActionToolchainPin(t *testing.T) {
	script := string(mustRead(t, filepath.Join("action", "binary.sh")))
	m := regexp.MustCompile(`(?m)^toolchain=go(1\.(\d+)\.(\d+))$`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("action/binary.sh names no toolchain=go1.N.P")
	}
	gomod := string(mustRead(t, "go.mod"))
	need := regexp.MustCompile(`(?m)^go 1\.(\d+)`).FindStringSubmatch(gomod)
	if need == nil {
		t.Fatal("go.mod has no go line")
	}
	if minor, _ := strconv.Atoi(m[2]); minor < atoi(t, need[1]) {
		t.Errorf("toolchain go%s is older than go.mod's go 1.%s", m[1], need[1])
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mustRun(t *testing.T, cmd *exec.Cmd) []byte {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return out
}

// pathWithout is PATH without the directories holding the named command.
func pathWithout(t *testing.T, name string) string {
	var keep []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			keep = append(keep, dir)
		}
	}
	return strings.Join(keep, string(os.PathListSeparator))
}

// TestActionBinaryOldGo runs the action's build with a job Go older than
// go.mod's go line (go1.21 or go1.22, as setup-go installs for such a
// project): the go command must fetch the toolchain action/binary.sh
// names, through GOPROXY, and build with it; with no way to fetch it, one
// error says what to install. Hermetic: the toolchains come from this
// machine's module cache (run GOTOOLCHAIN=go1.21.13 go version, and build
// once with the pinned toolchain, to fill it), served by a file://
// GOPROXY into an empty GOMODCACHE. Skips when they are not there.
func TestActionBinaryOldGo(t *testing.T) {
	if testing.Short() {
		t.Skip("extracts a toolchain and builds the binary")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	cache := strings.TrimSpace(string(mustRun(t, exec.Command("go", "env", "GOMODCACHE"))))
	platform := runtime.GOOS + "-" + runtime.GOARCH
	olds, _ := filepath.Glob(filepath.Join(cache, "golang.org", "toolchain@v0.0.1-go1.2[12].*."+platform, "bin", "go"))
	if len(olds) == 0 {
		t.Skip("no go1.21 or go1.22 toolchain in the module cache (GOTOOLCHAIN=go1.21.13 go version fetches one)")
	}
	oldGo := olds[0]
	pinned := regexp.MustCompile(`(?m)^toolchain=(go\S+)$`).FindStringSubmatch(string(mustRead(t, filepath.Join("action", "binary.sh"))))[1]
	v := "v0.0.1-" + pinned + "." + platform
	zip := filepath.Join(cache, "cache", "download", "golang.org", "toolchain", "@v", v+".zip")
	if _, err := os.Stat(zip); err != nil {
		t.Skipf("%s is not in the module cache's download directory", v)
	}
	// A file:// proxy that serves the pinned toolchain, and nothing else.
	proxy := t.TempDir()
	dir := filepath.Join(proxy, "golang.org", "toolchain", "@v")
	os.MkdirAll(dir, 0o755)
	if err := os.Symlink(zip, filepath.Join(dir, v+".zip")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, v+".info"), []byte(`{"Version":"`+v+`","Time":"2026-01-01T00:00:00Z"}`), 0o644)
	os.WriteFile(filepath.Join(dir, v+".mod"), []byte("module golang.org/toolchain\n"), 0o644)

	path := filepath.Dir(oldGo) + string(os.PathListSeparator) + pathWithout(t, "go")
	tests := []struct {
		goproxy  string
		wantCode int
		wantFrom string
		wantErr  string
	}{
		{"file://" + filepath.ToSlash(proxy), 0, "toolchain", ""},
		{"off", 2, "", "::error title=gopreflight::the job's Go (go1.2"},
	}
	for _, tt := range tests {
		modcache := t.TempDir()
		t.Cleanup(func() { // the go command extracts toolchains read-only
			filepath.WalkDir(modcache, func(p string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					os.Chmod(p, 0o755)
				}
				return nil
			})
		})
		bin := filepath.Join(t.TempDir(), "gopreflight")
		out, stderr, code := binaryScript(t, "build", "PATH="+path, "GOMODCACHE="+modcache, "GOPROXY="+tt.goproxy, "GOSUMDB=off",
			"GOPREFLIGHT_BIN="+bin, "GOPREFLIGHT_VERSION=v0.0.0-oldgo")
		if code != tt.wantCode || out["from"] != tt.wantFrom || !strings.Contains(stderr, tt.wantErr) {
			t.Errorf("GOPROXY=%s: exit %d, from=%q, want %d, %q and %q:\n%s", tt.goproxy, code, out["from"], tt.wantCode, tt.wantFrom, tt.wantErr, stderr)
			continue
		}
		if tt.wantCode != 0 {
			need := regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(string(mustRead(t, "go.mod")))[1]
			if !strings.Contains(stderr, "fetching "+pinned+" through the job's GOPROXY failed") ||
				!strings.Contains(stderr, "install Go "+need+" or newer with actions/setup-go") {
				t.Errorf("the error does not say what to install:\n%s", stderr)
			}
			continue
		}
		if version := string(mustRun(t, exec.Command(bin, "--version"))); !strings.Contains(version, "\ngo: "+pinned+" ") {
			t.Errorf("built with the job's old Go, not %s:\n%s", pinned, version)
		}
	}
}

// TestActionBinaryRelease: at a release ref, the action downloads the
// release binary for this runner from the action's repository's releases
// (a loopback server standing in for GITHUB_SERVER_URL) and keeps it only
// when its sha256 is the one action/release.sha256 pins; other bytes are
// refused with a warning and the build from source is tried instead
// (here, with no go on PATH, it fails saying so). A ref that is no
// release, or a runner with no pin, never downloads.
func TestActionBinaryRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("the runner platform names are checked on linux and darwin")
	}
	const ref = "v1.2.3"
	name := "gopreflight_" + ref + "_" + runtime.GOOS + "_" + runtime.GOARCH
	release := filepath.Join(t.TempDir(), name)
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w -X main.version="+ref, "-o", release, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=vendor", "GOPROXY=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	good := mustRead(t, release)
	sum := sha256.Sum256(good)

	// The action as downloaded: its script, the pins, a go.mod.
	action := t.TempDir()
	os.MkdirAll(filepath.Join(action, "action"), 0o755)
	os.WriteFile(filepath.Join(action, "action", "binary.sh"), mustRead(t, filepath.Join("action", "binary.sh")), 0o755)
	os.WriteFile(filepath.Join(action, "go.mod"), mustRead(t, "go.mod"), 0o644)
	os.WriteFile(filepath.Join(action, "action", "release.sha256"), []byte(fmt.Sprintf("%x  %s\n", sum, name)), 0o644)

	var served []byte
	var requests []string // written by the server, read after each run
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, r.URL.Path)
		if r.URL.Path != "/owner.example/gopreflight/releases/download/"+ref+"/"+name {
			http.NotFound(w, r)
			return
		}
		w.Write(served)
	}))
	defer srv.Close()

	run := func(ref string) (map[string]string, string, int, string) {
		bin := filepath.Join(t.TempDir(), "gopreflight")
		cmd := exec.Command("bash", filepath.Join(action, "action", "binary.sh"), "build")
		cmd.Env = append(os.Environ(), "PATH="+pathWithout(t, "go"), "GOPREFLIGHT_BIN="+bin, "GOPREFLIGHT_REF="+ref,
			"GOPREFLIGHT_REPOSITORY=owner.example/gopreflight", "GITHUB_SERVER_URL="+srv.URL, "RUNNER_OS=", "RUNNER_ARCH=",
			"http_proxy=", "HTTP_PROXY=", "https_proxy=", "HTTPS_PROXY=", "ALL_PROXY=", "all_proxy=", "no_proxy=*")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := 0
		if err := cmd.Run(); err != nil {
			code = err.(*exec.ExitError).ExitCode()
		}
		out := map[string]string{}
		if k, v, ok := strings.Cut(strings.TrimSpace(stdout.String()), "="); ok {
			out[k] = v
		}
		return out, stderr.String(), code, bin
	}

	serve := func(b []byte) { mu.Lock(); served, requests = b, nil; mu.Unlock() }
	asked := func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), requests...) }

	serve(good)
	out, stderr, code, bin := run(ref)
	if code != 0 || out["from"] != "release" {
		t.Fatalf("pinned release binary: exit %d, from=%q:\n%s", code, out["from"], stderr)
	}
	if v := string(mustRun(t, exec.Command(bin, "--version"))); !strings.HasPrefix(v, "gopreflight "+ref+"\n") {
		t.Errorf("the downloaded binary says:\n%s", v)
	}

	serve(append(append([]byte(nil), good...), 0)) // one byte more
	out, stderr, code, _ = run(ref)
	if code != 2 || out["from"] != "" || !strings.Contains(stderr, "::warning title=gopreflight::") ||
		!strings.Contains(stderr, fmt.Sprintf("not the %x this action pins", sum)) || !strings.Contains(stderr, "no go command on PATH") {
		t.Errorf("other bytes: exit %d, from=%q, want a warning, then the build (no go: exit 2):\n%s", code, out["from"], stderr)
	}

	serve(good)
	for _, other := range []string{"v1", "main", ""} {
		if _, stderr, code, _ := run(other); code != 2 || len(asked()) != 0 {
			t.Errorf("ref %q: exit %d, requests %q; want no download:\n%s", other, code, asked(), stderr)
		}
	}
	os.WriteFile(filepath.Join(action, "action", "release.sha256"), []byte(fmt.Sprintf("%x  %s\n", sum, "gopreflight_"+ref+"_plan9_arm")), 0o644)
	if _, stderr, code, _ := run(ref); code != 2 || len(asked()) != 0 {
		t.Errorf("no pin for this runner: exit %d, requests %q; want no download:\n%s", code, asked(), stderr)
	}
}
