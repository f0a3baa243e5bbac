//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/faultserver"
	"github.com/gopreflight/gopreflight/internal/gittest"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/internal/testca"
)

// regenerateCorpus makes TestRegenerateCorpus rewrite
// explain/testdata/corpus.txt from the real go commands of corpusVersions.
// It is a maintainer's step: the older toolchains must already be in the
// module cache (`GOTOOLCHAIN=go1.22.12 go version` fetches one), and CI,
// which has only the current go, reads the checked-in file.
var regenerateCorpus = flag.Bool("regenerate-corpus", false, "rewrite explain/testdata/corpus.txt with the logs of the real go1.21–go1.26 commands")

// corpusVersions are the toolchains whose wording the corpus holds: the
// latest patch release of each minor version explain reads.
var corpusVersions = []string{"go1.21.13", "go1.22.12", "go1.23.12", "go1.24.13", "go1.25.14", "go1.26.8"}

// corpusWorld is a logWorld as the corpus records it: the cause, module
// and host a log of it must yield.
type corpusWorld struct {
	logWorld
	module string // "-": the log names a package or nothing
	// host is the host the log must name, from the world's environment;
	// nil: none.
	host func(vars map[string]string) string
	// ns: the go command runs in this network namespace.
	ns *netns
}

// modules is what the world's go.mod requires.
func (w corpusWorld) modules() []string {
	if w.mods == nil {
		return []string{goodMod}
	}
	return w.mods
}

// args is the go command's arguments in the world.
func (w corpusWorld) args() []string {
	if w.goArgs == nil {
		return []string{"mod", "download"}
	}
	return w.goArgs
}

func proxyHost(vars map[string]string) string { return urlHost(vars["GOPROXY"]) }

func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// corpusWorlds are the worlds of TestExplainWorlds and a few more whose
// wording changed between releases (the checksum database, toolchains).
func corpusWorlds() []corpusWorld {
	var out []corpusWorld
	for _, w := range logWorlds() {
		cw := corpusWorld{logWorld: w, module: goodMod, host: proxyHost}
		if w.mods != nil {
			cw.module = w.mods[0]
		}
		if w.logCause != "" {
			cw.want = w.logCause
		}
		switch w.name {
		case "checksum mismatch", "GOPROXY=off", "-mod=vendor with an incomplete vendor directory":
			cw.host = nil
		case "missing go.sum entry":
			cw.module, cw.host = "-", nil
		case "private module without credentials on the direct route":
			cw.host = func(vars map[string]string) string { return urlHost(vars["HTTPS_PROXY"]) }
		}
		out = append(out, cw)
	}
	toolchain := "golang.org/toolchain@v0.0.1-go1.99.1.linux-amd64"
	return append(out,
		corpusWorld{logWorld: logWorld{
			name: "checksum database disagrees",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				p := goproxytest.New(t, served...)
				db := sumdbtest.New(t, "sum.test")
				zipLine, modLine := p.GoSum("example.test/good", "v1.0.0")
				p.Tamper("example.test/good", "v1.0.0", "module example.test/good\n\nrequire example.test/evil v1.0.0\n")
				db.AddModule(zipLine, modLine)
				return map[string]string{"GOPROXY": p.URL(), "GOSUMDB": db.GOSUMDB()}, nil
			},
			want: cause.ChecksumMismatch,
		}, module: goodMod},
		corpusWorld{logWorld: logWorld{
			name: "TLS handshake stalls",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.StallHandshake(t)}, nil
			},
			want: cause.TLSTimeout,
		}, module: goodMod, host: proxyHost},
		corpusWorld{logWorld: logWorld{
			name: "closed after ClientHello",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "https://" + faultserver.CloseAfterClientHello(t)}, nil
			},
			want: cause.TLSReset,
		}, module: goodMod, host: proxyHost},
		corpusWorld{logWorld: logWorld{
			name: "HTTP/2 GOAWAY",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				return map[string]string{"GOPROXY": "https://" + faultserver.H2GoAway(t, ca), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.ServerError,
		}, module: goodMod, host: proxyHost},
		corpusWorld{logWorld: logWorld{
			name: "certificate for another name",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				p := goproxytest.NewTLS(t, ca.Leaf("other.test"), served...)
				return map[string]string{"GOPROXY": strings.Replace(p.URL(), "127.0.0.1", "localhost", 1), "SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.TLSHostnameMismatch,
		}, module: goodMod, host: proxyHost},
		corpusWorld{logWorld: logWorld{
			name: "git server with an untrusted certificate",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				leaf := ca.Leaf("example.test", "127.0.0.1")
				srv := gittest.New(t, gittest.Options{TLS: &leaf})
				repoURL, _ := srv.AddRepo("priv", "example.test/priv", map[string]string{"p.go": "package priv\n"}, "v1.0.0")
				srv.ServeGoImport("example.test/priv", repoURL)
				// The go command trusts the CA (discovery works); git
				// trusts another one.
				return map[string]string{"GOPROXY": "direct", "GOPRIVATE": "example.test", "HTTPS_PROXY": srv.URL(),
					"NO_PROXY": "127.0.0.1,localhost", "SSL_CERT_FILE": ca.WriteFile(t.TempDir()), "GIT_SSL_CAINFO": testca.New(t).WriteFile(t.TempDir())}, nil
			},
			mods: []string{"example.test/priv@v1.0.0"},
			want: cause.TLSUnknownAuthority,
		}, module: "example.test/priv@v1.0.0", host: func(vars map[string]string) string { return urlHost(vars["HTTPS_PROXY"]) }},
		corpusWorld{logWorld: logWorld{
			name: "GOPROXY=off, mod download",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "off"}, nil
			},
			want: cause.NotFound,
		}, module: goodMod},
		corpusWorld{logWorld: logWorld{
			name: "-mod=vendor without the package",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "off", "GOFLAGS": "-mod=vendor"},
					map[string]string{"vendor/modules.txt": "# example.test/good v1.0.0\n## explicit\n"}
			},
			goArgs: []string{"build", "./..."},
			want:   cause.NotFound,
		}, module: "-"},
		corpusWorld{logWorld: logWorld{
			name: "missing go.sum entry for a go.mod file",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL(), "GOFLAGS": "-mod=readonly"}, nil
			},
			goArgs: []string{"list", "-m", "all"},
			want:   cause.MissingSum,
		}, module: goodMod},
		corpusWorld{logWorld: logWorld{
			name: "unknown revision on the direct route",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				srv := gittest.New(t, gittest.Options{})
				repoURL, _ := srv.AddRepo("repo", "example.test/repo", map[string]string{"r.go": "package repo\n"}, "v1.0.0")
				srv.ServeGoImport("example.test/repo", repoURL)
				return map[string]string{"GOPROXY": "direct", "GOPRIVATE": "example.test", "GOINSECURE": "example.test", "HTTP_PROXY": srv.URL(), "NO_PROXY": "127.0.0.1,localhost"}, nil
			},
			mods: []string{"example.test/repo@v1.5.0"},
			want: cause.NotFound,
		}, module: "example.test/repo@v1.5.0"},
		corpusWorld{logWorld: logWorld{
			name: "checksum database resets the stream",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				ca := testca.New(t)
				db := sumdbtest.New(t, "sum.test")
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL(), "GOSUMDB": db.VerifierKey() + " https://" + faultserver.H2StreamReset(t, ca),
					"SSL_CERT_FILE": ca.WriteFile(t.TempDir())}, nil
			},
			want: cause.ServerError,
		}, module: goodMod, host: func(vars map[string]string) string { return strings.Fields(vars["GOSUMDB"])[1][len("https://"):] }},
		corpusWorld{logWorld: logWorld{
			name: "toolchain not on the proxy",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxytest.New(t, served...).URL(), "GOTOOLCHAIN": "go1.99.1"}, nil
			},
			goArgs: []string{"version"},
			want:   cause.NotFound,
		}, module: toolchain},
		corpusWorld{logWorld: logWorld{
			name: "toolchain switch forbidden",
			setup: func(t *testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": "off"}, map[string]string{"go.mod": "module example.test/app\n\ngo 1.99.1\n"}
			},
			goArgs: []string{"build", "./..."},
			want:   cause.NotFound,
		}, module: "-"},
	)
}

// toolchainGo is the go command of version v in the module cache the
// maintainer's own go command uses; the test never downloads it.
func toolchainGo(t *testing.T, v string) string {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	bin := filepath.Join(strings.TrimSpace(string(out)), "golang.org", "toolchain@v0.0.1-"+v+".linux-amd64", "bin", "go")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is not in the module cache (%v): run `GOTOOLCHAIN=%s go version` once to fetch it", v, err, v)
	}
	return bin
}

var (
	// tempDirs are the directories of one run (t.TempDir, go build's WORK).
	tempDirs = regexp.MustCompile(regexp.QuoteMeta(os.TempDir()) + `/(?:TestRegenerateCorpus[^/\s'"]*/\d+|go-build\d+)`)
	// loopPorts are loopback ports, which change at every run.
	loopPorts = regexp.MustCompile(`\b(127\.0\.0\.1|localhost|\[::1\]|[a-z]+\.test|10\.20[01]\.\d+\.\d+):(\d+)\b`)
	// nsAddrs are the addresses of a namespace, random at every run.
	nsAddrs = regexp.MustCompile(`\b10\.20[01]\.\d+\.\d+\b`)
	// vcsCache is the go command's cache directory of one repository URL,
	// a hash of a URL whose port changes at every run.
	vcsCache = regexp.MustCompile(`(/cache/vcs/)[0-9a-f]{64}`)
	// clock is the time of day in a certificate's validity error, and
	// elapsed the duration -x prints after a request.
	clock   = regexp.MustCompile(`(\d{4}-\d\d-\d\dT)\d\d:\d\d:\d\dZ`)
	elapsed = regexp.MustCompile(`\(\d+\.\d+s\)`)
)

// normalise makes an excerpt the same at every run: each port of a
// loopback or test address becomes 40001, 40002... in order of first
// appearance, each address of the namespace 10.200.0.1, 10.200.0.2...,
// each temporary
// directory /tmp/x, a repository's cache directory 0123abcd, a time of
// day 00:00:00 and a request's duration 0.001s.
func normalise(s string) string {
	ports := map[string]string{}
	s = loopPorts.ReplaceAllStringFunc(s, func(m string) string {
		sub := loopPorts.FindStringSubmatch(m)
		if n, _ := strconv.Atoi(sub[2]); n < 1024 {
			return m // a service's own port (53), the same at every run
		}
		p, ok := ports[sub[2]]
		if !ok {
			p = strconv.Itoa(40001 + len(ports))
			ports[sub[2]] = p
		}
		return sub[1] + ":" + p
	})
	addrs := map[string]string{}
	s = nsAddrs.ReplaceAllStringFunc(s, func(m string) string {
		a, ok := addrs[m]
		if !ok {
			a = m[:len("10.20x.")] + "0." + strconv.Itoa(1+len(addrs))
			addrs[m] = a
		}
		return a
	})
	s = tempDirs.ReplaceAllString(s, "/tmp/x")
	s = clock.ReplaceAllString(s, "${1}00:00:00Z")
	s = elapsed.ReplaceAllString(s, "(0.001s)")
	return vcsCache.ReplaceAllString(s, "${1}0123abcd")
}

const corpusHeader = `# Log excerpts printed by the real go command, go1.21 to go1.26, each under
# a header "=== VERSIONS CAUSE MODULE HOST" (- for none): VERSIONS are the
# go versions that printed the excerpt, byte for byte, comma-separated.
# The first failure Parse finds in the excerpt must carry that cause,
# module and host. "## " lines name the world and the go command.
#
# Generated: do not edit. Every excerpt is the output of the go command of
# the versions its header names, run (GOTOOLCHAIN=local, its own module
# cache) in one of the loopback worlds of corpus_gen_test.go and
# explain_world_test.go (DNS and dropped packets: the network namespace of
# explain_netns_test.go); ports of loopback and test addresses are
# renumbered from 40001, the namespace's addresses 10.20x.0.N, temporary
# directories read /tmp/x, times of day 00:00:00. To regenerate, with the toolchains
# below in the module cache (GOTOOLCHAIN=go1.22.12 go version fetches one):
#
#	go test -run TestRegenerateCorpus -regenerate-corpus .
#
# Excerpts that no loopback world can produce are in written.txt.
`

// TestRegenerateCorpus rewrites explain/testdata/corpus.txt; without
// -regenerate-corpus it does nothing.
func TestRegenerateCorpus(t *testing.T) {
	if !*regenerateCorpus {
		t.Skip("a maintainer's step: -regenerate-corpus")
	}
	bins := map[string]string{}
	for _, v := range corpusVersions {
		bins[v] = toolchainGo(t, v)
	}
	worlds := corpusWorlds()
	// The namespace's worlds: DNS failures and dropped packets.
	ns, nsWorlds := netnsLogWorlds(t)
	for _, nw := range nsWorlds {
		goproxy := nw.goproxy
		worlds = append(worlds, corpusWorld{logWorld: logWorld{
			name: nw.name,
			setup: func(*testing.T) (map[string]string, map[string]string) {
				return map[string]string{"GOPROXY": goproxy}, nil
			},
			want: nw.want,
		}, module: goodMod, host: proxyHost, ns: ns})
	}
	worlds = append(worlds, corpusWorld{logWorld: logWorld{
		name: "discovery host does not exist",
		setup: func(*testing.T) (map[string]string, map[string]string) {
			return map[string]string{"GOPROXY": "direct"}, nil
		},
		mods: []string{"missing.test/lib@v1.0.0"},
		want: cause.DNSNXDomain,
	}, module: "missing.test/lib@v1.0.0", host: func(map[string]string) string { return "missing.test" }, ns: ns})
	excerpts := make([]string, len(worlds))
	t.Run("worlds", func(t *testing.T) {
		for i, w := range worlds {
			t.Run(w.name, func(t *testing.T) {
				t.Parallel()
				// Versions that printed the same excerpt share it.
				var order []string
				byText := map[string][]string{}
				for _, v := range corpusVersions {
					vars, files := w.setup(t)
					log := versionLog(t, w.ns, bins[v], worldModule(t, w.modules(), files), vars, w.args())
					host := "-"
					if w.host != nil {
						host = w.host(vars)
					}
					text := normalise(fmt.Sprintf("%s %s %s\n%s", w.want, w.module, host, strings.TrimRight(log, "\n")))
					if byText[text] == nil {
						order = append(order, text)
					}
					byText[text] = append(byText[text], v)
				}
				var b strings.Builder
				fmt.Fprintf(&b, "## %s: go %s\n", w.name, strings.Join(w.args(), " "))
				for _, text := range order {
					fmt.Fprintf(&b, "=== %s %s\n\n", strings.Join(byText[text], ","), text)
				}
				excerpts[i] = b.String()
			})
		}
	})
	if t.Failed() {
		t.Fatal("corpus not written")
	}
	for i, ex := range excerpts {
		if ex == "" {
			t.Fatalf("corpus not written: world %q did not run (a -run pattern?)", worlds[i].name)
		}
	}
	var b strings.Builder
	b.WriteString(corpusHeader)
	b.WriteString("#\n# captured: " + strings.Join(corpusVersions, " ") + "\n")
	for _, ex := range excerpts {
		b.WriteString("\n" + ex)
	}
	if err := os.WriteFile(filepath.Join("explain", "testdata", "corpus.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// versionLog runs the go command bin in dir and returns its combined
// output, which must be a failure.
// In a namespace (ns set) it runs there with exactly the go command's
// environment.
func versionLog(t *testing.T, ns *netns, bin, dir string, vars map[string]string, args []string) string {
	t.Helper()
	var kv []string
	for k, v := range vars {
		kv = append(kv, k+"="+v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = goproxytest.GoEnv(t, kv...)
	if ns != nil {
		cmd = exec.CommandContext(ctx, "ip", append(append([]string{"netns", "exec", ns.name, "env", "-i"}, cmd.Env...), append([]string{bin}, args...)...)...)
	}
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%s %s succeeded; the world is not broken:\n%s", bin, strings.Join(args, " "), out)
	}
	return string(out)
}

// TestCorpusVersions: the checked-in corpus was captured with the
// toolchains corpusVersions names, so that changing the list without
// regenerating the corpus fails.
func TestCorpusVersions(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("explain", "testdata", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := "# captured: " + strings.Join(corpusVersions, " ")
	if !strings.Contains(string(data), "\n"+want+"\n") {
		t.Errorf("explain/testdata/corpus.txt has no line %q: regenerate it (go test -run TestRegenerateCorpus -regenerate-corpus .)", want)
	}
}
