package sumdbtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/internal/sumdbtest"
)

const dbName = "sum.example.test"

var mods = []goproxytest.Module{
	{Path: "example.test/a", Version: "v1.2.0", Files: map[string]string{"a.go": "package a\n"}},
	{Path: "example.test/Upper", Version: "v1.0.0", Files: map[string]string{"u.go": "package upper\n"}},
}

// setup returns a proxy serving mods, a DB that knows them, and a main
// module requiring them with no go.sum.
func setup(t *testing.T) (*goproxytest.Server, *sumdbtest.DB, string) {
	t.Helper()
	s := goproxytest.New(t, mods...)
	db := sumdbtest.New(t, dbName)
	dir := t.TempDir()
	gomod := "module example.test/main\n\ngo 1.21\n\nrequire (\n"
	for _, m := range mods {
		gomod += "\t" + m.Path + " " + m.Version + "\n"
	}
	gomod += ")\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, db, dir
}

func runGo(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.String(), err
}

func download(t *testing.T, dir string, env []string) (string, error) {
	t.Helper()
	return runGo(t, dir, env, "mod", "download", "example.test/a", "example.test/Upper")
}

func TestHTTP(t *testing.T) {
	db := sumdbtest.New(t, dbName)
	db.Add("example.test/a", "v1.0.0", "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=")
	for _, tc := range []struct {
		path string
		code int
		want string
	}{
		{"/lookup/example.test/a@v1.0.0", 200, "example.test/a v1.0.0/go.mod h1:BBB"},
		{"/lookup/example.test/none@v1.0.0", 404, "not found"},
		{"/latest", 200, "go.sum database tree\n1\n"},
		{"/tile/8/0/000.p/1", 200, ""},
		{"/tile/8/data/000.p/1", 200, "example.test/a v1.0.0 h1:AAA"},
		{"/tile/8/0/001", 404, ""},
	} {
		resp, err := http.Get(db.URL() + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, resp.StatusCode, b, tc.code, tc.want)
		}
	}
	if db.Count("/lookup/") != 2 {
		t.Errorf("Count(/lookup/) = %d", db.Count("/lookup/"))
	}
}

// TestGoCommandDirect: with no go.sum, the go command consults the DB at its
// own URL, verifies, and writes go.sum lines equal to the proxy's GoSum.
func TestGoCommandDirect(t *testing.T) {
	s, db, dir := setup(t)
	var want []string
	for _, m := range mods {
		z, g := s.GoSum(m.Path, m.Version)
		db.AddModule(z, g)
		want = append(want, z, g)
	}
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "GOSUMDB="+db.GOSUMDB())
	if out, err := download(t, dir, env); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	if db.Count("/lookup/") == 0 || db.Count("/latest") == 0 && db.Count("/tile/") == 0 {
		t.Errorf("go command did not consult the DB: %+v", db.Requests())
	}
	if s.Count("/sumdb/") != 0 {
		t.Errorf("go command asked the proxy for the DB despite a URL in GOSUMDB")
	}
	sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range want {
		if !strings.Contains(string(sum), line+"\n") {
			t.Errorf("go.sum lacks %q:\n%s", line, sum)
		}
	}
}

// TestGoCommandWrongHash: a DB record that disagrees with the proxy's bytes
// is a security error for the go command.
func TestGoCommandWrongHash(t *testing.T) {
	s, db, dir := setup(t)
	_, g := s.GoSum("example.test/a", "v1.2.0")
	db.Add("example.test/a", "v1.2.0", "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", strings.Fields(g)[2])
	db.AddModule(s.GoSum("example.test/Upper", "v1.0.0"))
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "GOSUMDB="+db.GOSUMDB())
	out, err := download(t, dir, env)
	t.Logf("go command: %s", out)
	if err == nil || !strings.Contains(out, "SECURITY ERROR") || !strings.Contains(out, "verifying module") {
		t.Fatalf("go mod download with a wrong DB hash: err=%v\n%s", err, out)
	}
}

// TestGoCommandWrongKey: a tree head signed by another key is rejected.
func TestGoCommandWrongKey(t *testing.T) {
	s, db, dir := setup(t)
	for _, m := range mods {
		db.AddModule(s.GoSum(m.Path, m.Version))
	}
	db.SignWithWrongKey(true)
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "GOSUMDB="+db.GOSUMDB())
	out, err := download(t, dir, env)
	if err == nil || !strings.Contains(out, "verifying") {
		t.Fatalf("go mod download with a wrongly signed tree: err=%v\n%s", err, out)
	}
	t.Logf("go command: %s", out)
}

// TestGoCommandUnknownModule: a module the DB does not know fails the go
// command when go.sum lacks it.
func TestGoCommandUnknownModule(t *testing.T) {
	s, db, dir := setup(t)
	db.AddModule(s.GoSum("example.test/Upper", "v1.0.0"))
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "GOSUMDB="+db.GOSUMDB())
	out, err := download(t, dir, env)
	if err == nil || !strings.Contains(out, "404") {
		t.Fatalf("go mod download of a module unknown to the DB: err=%v\n%s", err, out)
	}
	t.Logf("go command: %s", out)
}

// TestGoCommandThroughProxy: with GOSUMDB naming only the key, the go
// command finds the DB at <proxy>/sumdb/<name>/supported.
func TestGoCommandThroughProxy(t *testing.T) {
	s, db, dir := setup(t)
	for _, m := range mods {
		db.AddModule(s.GoSum(m.Path, m.Version))
	}
	s.ProxySumDB(db)
	env := goproxytest.GoEnv(t, "GOPROXY="+s.URL(), "GOSUMDB="+db.VerifierKey())
	if out, err := download(t, dir, env); err != nil {
		t.Fatalf("go mod download: %v\n%s", err, out)
	}
	if s.Count("/sumdb/"+dbName+"/supported") == 0 || s.Count("/sumdb/"+dbName+"/lookup/") == 0 {
		t.Errorf("go command did not use the proxied DB: %+v", s.Requests())
	}
	if db.Count("/lookup/") == 0 {
		t.Errorf("DB saw no lookup")
	}
}
