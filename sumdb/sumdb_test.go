package sumdb_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/sumdb"
)

const name = "sum.example.test"

var modA = goproxytest.Module{Path: "example.test/a", Version: "v1.0.0", Files: map[string]string{"a.go": "package a\n"}}

func newClient(t *testing.T) *probe.Client {
	t.Helper()
	c, err := probe.New(probe.Options{RequestTimeout: 5 * time.Second, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdle)
	return c
}

func open(t *testing.T, gosumdb, goproxy string) (*sumdb.DB, *probe.Client) {
	t.Helper()
	cfg, err := goenv.ParseSumDB(gosumdb)
	if err != nil {
		t.Fatal(err)
	}
	proxies, err := goenv.ParseProxyList(goproxy)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return sumdb.New(ctx, cfg, c, proxies), c
}

// TestLocate walks GOPROXY as cmd/go's checksum database client does. The
// go command itself judges the cases that end at a proxy or fail there.
func TestLocate(t *testing.T) {
	db := sumdbtest.New(t, name)
	db.AddModule(goproxytest.New(t, modA).GoSum(modA.Path, modA.Version))
	serving := goproxytest.New(t, modA)
	serving.ProxySumDB(db)
	declining := goproxytest.New(t, modA) // /sumdb/... answers 404
	broken := goproxytest.New(t, modA)
	broken.Handle(func(p string) bool { return strings.HasPrefix(p, "/sumdb/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))
	direct := "https://" + name
	for _, tc := range []struct {
		name    string
		gosumdb string
		goproxy string
		base    string // "" when unavailable
		via     string
		fail    cause.Code
	}{
		{"explicit URL, never a proxy", db.GOSUMDB(), serving.URL(), db.URL(), "", ""},
		{"proxy supports it", db.VerifierKey(), serving.URL(), serving.URL() + "/sumdb/" + name, serving.URL(), ""},
		{"404 then comma moves on", db.VerifierKey(), declining.URL() + "," + serving.URL(), serving.URL() + "/sumdb/" + name, serving.URL(), ""},
		{"500 then comma: unavailable", db.VerifierKey(), broken.URL() + "," + serving.URL(), "", "", cause.ServerError},
		{"500 then pipe moves on", db.VerifierKey(), broken.URL() + "|" + serving.URL(), serving.URL() + "/sumdb/" + name, serving.URL(), ""},
		{"500 then pipe then 404: the proxy error stands", db.VerifierKey(), broken.URL() + "|" + declining.URL(), "", "", cause.ServerError},
		{"500 then pipe then direct", db.VerifierKey(), broken.URL() + "|direct", direct, "", ""},
		{"every proxy declines", db.VerifierKey(), declining.URL(), direct, "", ""},
		{"off", db.VerifierKey(), "off", direct, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, c := open(t, tc.gosumdb, tc.goproxy)
			loc := d.Locate()
			if loc.Base != tc.base || loc.Via != tc.via {
				t.Errorf("Locate = base %q via %q, want %q via %q", loc.Base, loc.Via, tc.base, tc.via)
			}
			if (loc.Fail == nil) != (tc.fail == "") || loc.Fail != nil && loc.Fail.Cause != tc.fail {
				t.Errorf("Locate fail = %+v, want %q", loc.Fail, tc.fail)
			}
			sumdbRole := 0
			for _, e := range c.Endpoints.List() {
				if e.Role == probe.RoleSumDB {
					sumdbRole++
					if tc.via != "" || tc.fail != "" {
						t.Errorf("endpoint %s has role sumdb though the database is not reached directly", e.Origin)
					}
				}
			}
			if tc.via == "" && tc.fail == "" && sumdbRole != 1 {
				t.Errorf("%d endpoints with role sumdb, want the direct one", sumdbRole)
			}
			if tc.via != "" || tc.fail != "" {
				got := goModDownload(t, tc.gosumdb, tc.goproxy)
				if (got == "") != (tc.fail == "") {
					t.Errorf("the go command disagrees: %q", got)
				}
			}
		})
	}
}

// goModDownload has the go command download modA with no go.sum line for
// it, so that it asks the database; it returns the error output or "".
func goModDownload(t *testing.T, gosumdb, goproxy string) string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not installed: no judge")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.test/m\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", modA.Path+"@"+modA.Version)
	cmd.Dir = dir
	cmd.Env = goproxytest.GoEnv(t, "GOPROXY="+goproxy, "GOSUMDB="+gosumdb)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String() + err.Error()
	}
	return ""
}

// TestLookup: verified answers, a 404 as unknown, and the difference
// between a database that cannot be reached (a transport cause) and one
// whose answer does not verify (a security error).
func TestLookup(t *testing.T) {
	proxy := goproxytest.New(t, modA)
	zipLine, modLine := proxy.GoSum(modA.Path, modA.Version)
	m := module.Version{Path: modA.Path, Version: modA.Version}
	for _, tc := range []struct {
		name     string
		fault    func(*sumdbtest.DB)
		mod      module.Version
		unknown  bool
		fail     cause.Code
		security bool
	}{
		{name: "verified", mod: m},
		{name: "unknown version", mod: module.Version{Path: modA.Path, Version: "v9.9.9"}, unknown: true},
		{name: "wrong key", fault: func(db *sumdbtest.DB) { db.SignWithWrongKey(true) }, mod: m, fail: cause.ChecksumMismatch, security: true},
		{name: "lookup 500", fault: func(db *sumdbtest.DB) {
			db.Handle(func(p string) bool { return strings.HasPrefix(p, "/lookup/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
			}))
		}, mod: m, fail: cause.ServerError},
		{name: "tiles 403", fault: func(db *sumdbtest.DB) {
			db.Handle(func(p string) bool { return strings.HasPrefix(p, "/tile/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "forbidden", http.StatusForbidden)
			}))
		}, mod: m, fail: cause.HTTPForbidden},
		{name: "record not in the signed tree", fault: func(db *sumdbtest.DB) {
			// A genuine answer, signed tree head included, with the
			// record's first hash altered.
			rec := httpGet(t, db.URL()+"/lookup/example.test/a@v1.0.0")
			rec = bytes.Replace(rec, []byte("h1:"), []byte("h1:X"), 1)
			db.Handle(func(p string) bool { return strings.HasPrefix(p, "/lookup/") }, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write(rec)
			}))
		}, mod: m, fail: cause.ChecksumMismatch, security: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := sumdbtest.New(t, name)
			db.AddModule(zipLine, modLine)
			// A second record, so that the tree has more than one leaf.
			db.Add("example.test/other", "v1.0.0", strings.Fields(zipLine)[2], strings.Fields(modLine)[2])
			if tc.fault != nil {
				tc.fault(db)
			}
			d, _ := open(t, db.GOSUMDB(), "off")
			a := d.Lookup(tc.mod, true)
			if a.Unknown != tc.unknown {
				t.Errorf("Unknown = %v, want %v", a.Unknown, tc.unknown)
			}
			if tc.fail == "" {
				if a.Fail != nil {
					t.Fatalf("Fail = %+v", a.Fail)
				}
				if !tc.unknown && (a.Zip != strings.Fields(zipLine)[2] || a.Mod != strings.Fields(modLine)[2]) {
					t.Errorf("hashes %q %q, want the go.sum lines %q %q", a.Zip, a.Mod, zipLine, modLine)
				}
				return
			}
			if a.Fail == nil || a.Fail.Cause != tc.fail || a.Fail.Security != tc.security {
				t.Errorf("Fail = %+v, want cause %s security %v", a.Fail, tc.fail, tc.security)
			}
			if a.Zip != "" || a.Mod != "" {
				t.Errorf("a failed lookup returned hashes %q %q", a.Zip, a.Mod)
			}
		})
	}
}

func httpGet(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return b.Bytes()
}
