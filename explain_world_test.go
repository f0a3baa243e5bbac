package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/gittest"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/testca"
	"github.com/gopreflight/gopreflight/report"
)

// logWorld is one broken world on loopback: the real go command fails in
// it, and its output is the log that explain must read.
type logWorld struct {
	name string
	// setup starts the servers and returns the environment of both the go
	// command and gopreflight, and files beside go.mod.
	setup func(t *testing.T) (vars map[string]string, files map[string]string)
	mods  []string // required in go.mod; the first is imported by main.go
	// goArgs is the go command's arguments (default: mod download).
	goArgs []string
	want   cause.Code
	// logCause is the cause the log's words name, where they cannot tell
	// as much as a live probe (default want).
	logCause cause.Code
	// refused: the normal run refuses the inputs (exit 2) with this
	// message, as the go command does, instead of naming a cause.
	refused string
}

func textHandler(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Error(w, body, code) }
}

// logWorlds are the worlds of issue 16, each made with the servers the
// other tests use.
func logWorlds() []logWorld {
	return []logWorld{
		{
			name: "closed port",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.ClosedPort(t)}, nil
			},
			want: cause.TCPRefused,
		},
		{
			name: "untrusted CA",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := goproxytest.NewTLS(t, testca.New(t).Leaf("127.0.0.1"), served...)
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			goArgs: []string{"build", "./..."},
			want:   cause.TLSUnknownAuthority,
		},
		{
			name: "wrong host name",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("other.test"), served...)
				return map[string]string{"GOPROXY": p.URL(), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			goArgs: []string{"list", "-m", "all"},
			want:   cause.TLSHostnameMismatch,
		},
		{
			name: "404",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL()}, nil
			},
			mods:   []string{"example.test/good@v1.9.9"},
			goArgs: []string{"get", "example.test/good@v1.9.9"},
			want:   cause.NotFound,
		},
		{
			name: "410",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := goproxytest.New(t, served...)
				p.Gone("example.test/good", "v1.0.0")
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			goArgs: []string{"build", "-x", "./..."},
			want:   cause.NotFound,
		},
		{
			name: "403 block page",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					w.WriteHeader(http.StatusForbidden)
					w.Write([]byte("<html><head><title>Access denied by WebFilter</title></head><body>Blocked.</body></html>"))
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want:     cause.BlockPage,
			logCause: cause.HTTPForbidden, // the log omits an HTML body
		},
		{
			name: "429",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": proxyAnswering(t, textHandler(http.StatusTooManyRequests, "slow down")).URL()}, nil
			},
			want: cause.RateLimited,
		},
		{
			name: "500",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": proxyAnswering(t, textHandler(http.StatusInternalServerError, "internal error")).URL()}, nil
			},
			goArgs: []string{"build", "./..."},
			want:   cause.ServerError,
		},
		{
			name: "HTTP/2 stream reset",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				return map[string]string{"GOPROXY": "https://" + faultserver.H2StreamReset(t, ca), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.ServerError,
		},
		{
			name: "checksum mismatch",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := goproxytest.New(t, served...)
				zipLine, modLine := p.GoSum("example.test/good", "v1.0.0")
				p.Tamper("example.test/good", "v1.0.0", "module example.test/good\n\nrequire example.test/evil v1.0.0\n")
				return map[string]string{"GOPROXY": p.URL()}, map[string]string{"go.sum": zipLine + "\n" + modLine + "\n"}
			},
			goArgs: []string{"build", "./..."},
			want:   cause.ChecksumMismatch,
		},
		{
			name: "missing go.sum entry",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL(), "GOFLAGS": "-mod=readonly"}, nil
			},
			goArgs: []string{"build", "./..."},
			want:   cause.MissingSum,
		},
		{
			name: "GOPROXY=off",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "off"}, nil
			},
			goArgs: []string{"build", "./..."},
			want:   cause.NotFound,
		},
		{
			name: "-mod=vendor with an incomplete vendor directory",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL(), "GOFLAGS": "-mod=vendor"},
					map[string]string{"vendor/modules.txt": "# example.test/fork v1.2.0\n## explicit\nexample.test/fork\n"}
			},
			goArgs:  []string{"build", "./..."},
			want:    cause.NotFound,
			refused: "inconsistent vendoring",
		},
		{
			name: "expired certificate",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.LeafWith(time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), "127.0.0.1"), served...)
				return map[string]string{"GOPROXY": p.URL(), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.TLSExpired,
		},
		{
			name: "plain HTTP on the TLS port",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.PlaintextOnTLS(t, true)}, nil
			},
			want: cause.TLSPlaintext,
		},
		{
			name: "no common TLS version",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				srv := httptest.NewUnstartedServer(http.NotFoundHandler())
				srv.Config.ErrorLog = log.New(io.Discard, "", 0)
				srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.Leaf("127.0.0.1")}, MaxVersion: tls.VersionTLS11}
				srv.StartTLS()
				t.Cleanup(srv.Close)
				return map[string]string{"GOPROXY": srv.URL, "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.TLSFailure,
		},
		{
			name: "reset after ClientHello",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.ResetAfterClientHello(t)}, nil
			},
			want: cause.TLSReset,
		},
		{
			name: "reset after the response head",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.ResetAfterHeaders(t)}, nil
			},
			want: cause.TCPReset,
		},
		{
			name: "truncated body",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.TruncatedBody(t)}, nil
			},
			want: cause.BadResponse,
		},
		{
			name: "hang-up before the answer",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "http://" + faultserver.HangUp(t)}, nil
			},
			want: cause.TCPReset,
		},
		{
			name: "forward proxy unreachable",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": "http://" + faultserver.ClosedPort(t)}, nil
			},
			want: cause.ProxyUnreachable,
		},
		{
			name: "forward proxy wants credentials",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				fwd := faultserver.ForwardProxy(t, faultserver.ProxyOptions{User: "u", Password: "p"})
				return map[string]string{"GOPROXY": "https://proxy.example", "HTTPS_PROXY": fwd.URL()}, nil
			},
			want: cause.ProxyAuthRequired,
		},
		{
			name: "401",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := proxyAnswering(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("WWW-Authenticate", `Basic realm="mirror"`)
					http.Error(w, "unauthorized", http.StatusUnauthorized)
				})
				return map[string]string{"GOPROXY": p.URL()}, nil
			},
			want: cause.HTTPUnauthorized,
		},
		{
			name: "private module without credentials on the direct route",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				leaf := ca.Leaf("example.test", "127.0.0.1")
				srv := gittest.New(t, gittest.Options{TLS: &leaf, User: "ci", Password: "s3cret-token"})
				repoURL, _ := srv.AddRepo("priv", "example.test/priv", map[string]string{"p.go": "package priv\n"}, "v1.0.0")
				srv.ServeGoImport("example.test/priv", repoURL)
				caFile := ca.WriteFile(t.TempDir())
				return map[string]string{"GOPROXY": "direct", "GOPRIVATE": "example.test", "HTTPS_PROXY": srv.URL(),
					"NO_PROXY": "127.0.0.1,localhost", "SSL_CERT_FILE": caFile, "GIT_SSL_CAINFO": caFile}, nil
			},
			mods: []string{"example.test/priv@v1.0.0"},
			want: cause.HTTPUnauthorized,
		},
	}
}

// goLog runs the real go command in dir and returns its combined output,
// which must be a failure.
func goLog(t *testing.T, dir string, vars map[string]string, args []string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no real log")
	}
	var kv []string
	for k, v := range vars {
		kv = append(kv, k+"="+v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = goproxytest.GoEnv(t, kv...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go %s succeeded; the world is not broken:\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

// worldModule writes the module a world's build is of.
func worldModule(t *testing.T, mods []string, files map[string]string) string {
	var req strings.Builder
	for _, m := range mods {
		p, v, _ := strings.Cut(m, "@")
		req.WriteString("require " + p + " " + v + "\n")
	}
	imp, _, _ := strings.Cut(mods[0], "@")
	all := map[string]string{
		"go.mod":  "module example.test/app\n\ngo 1.21\n\n" + req.String(),
		"main.go": "package main\n\nimport _ \"" + imp + "\"\n\nfunc main() {}\n",
	}
	for k, v := range files {
		all[k] = v
	}
	return writeModule(t, all)
}

// explainRun is one run of `gopreflight explain` or `run` in-process.
type explainRun struct {
	code           int
	rep            *report.Report
	stdout, stderr string
}

func runExplainTool(t *testing.T, vars map[string]string, args ...string) explainRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	base := map[string]string{"GOENV": "off", "GOSUMDB": "off", "GOTOOLCHAIN": "local", "HOME": t.TempDir(), "GOFLAGS": "-mod=mod", "PATH": os.Getenv("PATH")}
	for k, v := range vars {
		base[k] = v
	}
	// The subcommand, then --output before its other arguments.
	args = append([]string{args[0], "--output", out}, args[1:]...)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return base[k] }, &stdout, &stderr)
	er := explainRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if data, err := os.ReadFile(out); err == nil {
		er.rep = &report.Report{}
		if err := json.Unmarshal(data, er.rep); err != nil {
			t.Fatalf("report does not parse: %v", err)
		}
	}
	return er
}

// TestExplainWorlds: in each broken world the real go command fails; explain
// reads its log and must give the cause a normal gopreflight run gives for
// the same world, and say the failure persists.
func TestExplainWorlds(t *testing.T) {
	for _, w := range logWorlds() {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			vars, files := w.setup(t)
			mods := w.mods
			if mods == nil {
				mods = []string{goodMod}
			}
			dir := worldModule(t, mods, files)
			args := w.goArgs
			if args == nil {
				args = []string{"mod", "download"}
			}
			log := goLog(t, dir, vars, args)
			logFile := filepath.Join(t.TempDir(), "build.log")
			if err := os.WriteFile(logFile, []byte(log), 0o644); err != nil {
				t.Fatal(err)
			}
			normal := runTool(t, vars, "--retries", "0", "--timeout", "20s", dir)
			ex := runExplainTool(t, vars, "explain", "--format", "text", "--retries", "0", "--timeout", "20s", "--path", dir, logFile)
			if w.refused != "" {
				// No cause to compare: the normal run refuses the build
				// as the go command does, and explain says the failure
				// persists.
				if normal.code != 2 || !strings.Contains(normal.stderr, w.refused) {
					t.Errorf("normal run: exit %d, stderr %q; want 2 naming %q", normal.code, normal.stderr, w.refused)
				}
				normal = toolRun{}
			}
			logCause := w.logCause
			if logCause == "" {
				logCause = w.want
			}
			checkExplained(t, w.want, logCause, mods[0], log, normal, ex)
		})
	}
}

// checkExplained compares explain's verdict with the normal run's.
func checkExplained(t *testing.T, want, logCause cause.Code, mod, log string, normal toolRun, ex explainRun) {
	t.Helper()
	defer func() {
		if t.Failed() || testing.Verbose() {
			t.Logf("go command's log:\n%s\nexplain:\n%s%s", log, ex.stdout, ex.stderr)
		}
	}()
	if ex.code != 1 || ex.rep == nil || len(ex.rep.Explained) == 0 {
		t.Fatalf("explain: exit %d, report %v; want 1 with explained failures", ex.code, ex.rep != nil)
	}
	p, v, _ := strings.Cut(mod, "@")
	var got *report.Explained
	for i, e := range ex.rep.Explained {
		if strings.HasPrefix(e.Module, p) {
			got = &ex.rep.Explained[i]
			break
		}
	}
	if got == nil {
		t.Fatalf("no explained failure names %s: %+v", p, ex.rep.Explained)
	}
	if got.Cause != want {
		t.Errorf("explain: cause %s (log %s, %s), want %s", got.Cause, got.LogCause, got.Detail, want)
	}
	// normal.rep is nil where the normal run refuses the inputs (the
	// caller checked that).
	if normal.rep != nil {
		if nm := normal.module(t, p, v); nm.Cause != want {
			t.Errorf("normal run: cause %s (%s), want %s", nm.Cause, nm.Detail, want)
		}
	}
	if got.LogCause != logCause {
		t.Errorf("the log's words: cause %s, want %s", got.LogCause, logCause)
	}
	if got.State != report.StatePersistent {
		t.Errorf("state %s (%s), want persistent", got.State, got.Detail)
	}
	if strings.Contains(ex.stdout+mustJSON(t, ex.rep), "s3cret-token") {
		t.Error("a credential reached the explanation")
	}
}
