package goenv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseProxyList(t *testing.T) {
	tests := []struct {
		in      string
		want    []ProxyEntry
		wantErr string
	}{
		{in: "https://a.example,direct", want: []ProxyEntry{{URL: "https://a.example"}, {URL: "direct"}}},
		{in: "https://a.example|https://b.example,off", want: []ProxyEntry{{URL: "https://a.example", FallBackOnError: true}, {URL: "https://b.example"}, {URL: "off"}}},
		{in: "a.example", want: []ProxyEntry{{URL: "https://a.example"}}},
		{in: "a.example:8443/sub", want: []ProxyEntry{{URL: "https://a.example:8443/sub"}}},
		{in: " direct , https://ignored.example", want: []ProxyEntry{{URL: "direct"}}},
		{in: "file:///srv/mods", want: []ProxyEntry{{URL: "file:///srv/mods"}}},
		{in: "off", want: []ProxyEntry{{URL: "off"}}},
		// newProxyRepo checks the scheme only: the go command accepts an
		// entry with no host (its requests fail, so '|' falls through).
		{in: "https://|https://b.example", want: []ProxyEntry{{URL: "https://", FallBackOnError: true}, {URL: "https://b.example"}}},
		{in: "https://h.example/p?token=T", want: []ProxyEntry{{URL: "https://h.example/p?token=T"}}},
		{in: ",", wantErr: "contains no entries"},
		{in: "ftp://a.example", wantErr: "scheme must be"},
		{in: "https://a.example,gopher://b.example", wantErr: "gopher://b.example"},
		{in: "file://host/path", wantErr: "non-path"},
		{in: "https://user:secret@a.example,ftp://x.example", wantErr: "ftp://x.example"},
	}
	for _, tt := range tests {
		got, err := ParseProxyList(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseProxyList(%q) error = %v, want containing %q", tt.in, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a secret: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseProxyList(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseProxyList(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if f := FormatProxyList(got); tt.in == "https://a.example|https://b.example,off" && f != tt.in {
			t.Errorf("FormatProxyList = %q, want %q", f, tt.in)
		}
	}
}

func TestParseSumDB(t *testing.T) {
	tests := []struct {
		in       string
		name     string
		url      string
		off      bool
		wantErr  bool
		directTo string
	}{
		{in: "off", off: true},
		{in: DefaultGOSUMDB, name: DefaultGOSUMDB, directTo: "https://" + DefaultGOSUMDB},
		{in: DefaultGOSUMDB + " https://mirror.example/sumdb", name: DefaultGOSUMDB, url: "https://mirror.example/sumdb", directTo: "https://mirror.example/sumdb"},
		{in: defaultSumKey, name: DefaultGOSUMDB},
		{in: sumdbAlias, name: DefaultGOSUMDB, url: "https://" + sumdbAlias},
		{in: "unknown.example", wantErr: true},
		{in: "a b c", wantErr: true},
		{in: DefaultGOSUMDB + " not-a-url", wantErr: true},
	}
	for _, tt := range tests {
		db, err := ParseSumDB(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseSumDB(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if db.Off != tt.off || db.Name != tt.name || db.URL != tt.url {
			t.Errorf("ParseSumDB(%q) = %+v, want name %q url %q off %v", tt.in, db, tt.name, tt.url, tt.off)
		}
		if tt.directTo != "" && db.DirectURL() != tt.directTo {
			t.Errorf("DirectURL = %q, want %q", db.DirectURL(), tt.directTo)
		}
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "env")
	if err := os.WriteFile(envFile, []byte("GOPROXY=https://file.example\nGOPRIVATE=corp.example\n# comment\nGOSUMDB=off\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"GOENV": envFile, "GOSUMDB": "sum.example+abc", "GOFLAGS": "-mod=mod -mod=vendor"}
	e, err := Load(func(k string) string { return vars[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.GOPROXY != "https://file.example" || e.Source["GOPROXY"] != "goenv" {
		t.Errorf("GOPROXY = %q from %s, want the GOENV file's", e.GOPROXY, e.Source["GOPROXY"])
	}
	if e.GOSUMDB != "sum.example+abc" || e.Source["GOSUMDB"] != "env" {
		t.Errorf("GOSUMDB = %q from %s, want the environment's", e.GOSUMDB, e.Source["GOSUMDB"])
	}
	if e.GONOPROXY != "corp.example" || e.GONOSUMDB != "corp.example" {
		t.Errorf("GONOPROXY/GONOSUMDB = %q/%q, want GOPRIVATE's value", e.GONOPROXY, e.GONOSUMDB)
	}
	if e.ModFlag() != "vendor" {
		t.Errorf("ModFlag = %q, want the last -mod", e.ModFlag())
	}
	if e.UsesProxy("corp.example/x") || !e.UsesProxy("public.example/x") {
		t.Error("UsesProxy does not follow GONOPROXY")
	}
	if e.NeedsSum("corp.example/x") || !e.NeedsSum("public.example/x") {
		t.Error("NeedsSum does not follow GONOSUMDB")
	}

	e, err = Load(func(k string) string { return map[string]string{"GOENV": "off"}[k] }, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.GOPROXY != DefaultGOPROXY || e.GOSUMDB != DefaultGOSUMDB || e.GOTOOLCHAIN != "auto" {
		t.Errorf("defaults = %q %q %q", e.GOPROXY, e.GOSUMDB, e.GOTOOLCHAIN)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://user:pass@proxy.example/path", "https://***@proxy.example/path"},
		{"https://proxy.example/x?token=abc&v=1", "https://proxy.example/x?token=***&v=1"},
		{"GET https://u:p@a.example/x: refused", "GET https://***@a.example/x: refused"},
		{"https://plain.example/x?v=1", "https://plain.example/x?v=1"},
		{"no url here", "no url here"},
		{"https://user:pa,ss@h.example", "https://***@h.example"},
		{"https://user:pa|ss@h.example/x", "https://***@h.example/x"},
		{"https://user:p'ass@h.example", "https://***@h.example"},
		{`https://user:p"ass@h.example`, "https://***@h.example"},
		{`proxyconnect "http://u:a,b|c@p.example:3128": refused`, `proxyconnect "http://***@p.example:3128": refused`},
		{"user:secret@proxy.example:3128", "***@proxy.example:3128"},
		{"alice:s3,cr3t@127.0.0.1:18081", "***@127.0.0.1:18081"},
		{"https://a.example,https://u:p@b.example|direct", "https://a.example,https://***@b.example|direct"},
		// A module request's path holds "/@v/": the query after it is still the URL's.
		{"GET http://127.0.0.1:8080/p/example.test/a/@v/v1.0.0.info?token=T -> 200 ok", "GET http://127.0.0.1:8080/p/example.test/a/@v/v1.0.0.info?token=*** -> 200 ok"},
		{"https://u:p@h.example/m/@v/list", "https://***@h.example/m/@v/list"},
		{"https://h.example/m/@latest?access_token=abc", "https://h.example/m/@latest?access_token=***"},
		// Not secrets: left as written.
		{"example.test/good@v1.0.0", "example.test/good@v1.0.0"},
		{"https://a.example,direct", "https://a.example,direct"},
		{"https://a.example/x?v=1, 'https://b.example/@v/list'", "https://a.example/x?v=1, 'https://b.example/@v/list'"},
		{"proxy.example:3128", "proxy.example:3128"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactProxy(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice:s3cr3t@127.0.0.1:18081", "***@127.0.0.1:18081"},
		{"alice:s3,cr3t@127.0.0.1:18081", "***@127.0.0.1:18081"},
		{"alice:p|a'ss\"@proxy.example", "***@proxy.example"},
		{"tok123456@proxy.example:3128", "***@proxy.example:3128"},
		{"http://u:p@proxy.example:3128", "http://***@proxy.example:3128"},
		{"socks5://u:p,q@proxy.example:1080", "socks5://***@proxy.example:1080"},
		{"proxy.example:3128", "proxy.example:3128"},
		{"http://proxy.example:3128", "http://proxy.example:3128"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactProxy(tt.in); got != tt.want {
			t.Errorf("RedactProxy(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNetrc(t *testing.T) {
	creds := ParseNetrc("machine git.example login alice password s3cret\nmachine other.example\n  login bob\n  password pw\n\nmacdef init\nmachine evil.example login x password y\n\ndefault login anon password none\n")
	if u, p, ok := CredentialsFor(creds, "git.example"); !ok || u != "alice" || p != "s3cret" {
		t.Errorf("git.example = %q %q %v", u, p, ok)
	}
	if u, _, ok := CredentialsFor(creds, "other.example"); !ok || u != "bob" {
		t.Errorf("other.example = %q %v", u, ok)
	}
	if _, _, ok := CredentialsFor(creds, "evil.example"); ok {
		t.Error("a machine inside a macdef body was read as an entry")
	}
	if _, _, ok := CredentialsFor(ParseNetrc("machine nopw.example login bob\n"), "nopw.example"); ok {
		t.Error("an entry without a password was used (cmd/go skips it)")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "netrc"), []byte("machine h.example login a password b\n"), 0o600)
	e, _ := Load(func(k string) string {
		return map[string]string{"GOENV": "off", "NETRC": filepath.Join(dir, "netrc")}[k]
	}, "")
	if len(e.Netrc()) != 1 {
		t.Errorf("Netrc from $NETRC = %v", e.Netrc())
	}
	e.GOAUTH = "off"
	if len(e.Netrc()) != 0 {
		t.Error("GOAUTH=off still reads .netrc")
	}
}

// TestLoadGOROOT: $GOROOT/go.env is the third layer, after the process
// environment and the GOENV file, as cmd/go's cfg.initEnvCache reads it;
// $GOROOT/VERSION names the local go.
func TestLoadGOROOT(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "VERSION"), []byte("go1.24.2\ntime 2025-01-01T00:00:00Z\n"), 0o644)
	os.WriteFile(filepath.Join(root, "go.env"), []byte("# shipped defaults\nGOPROXY=https://root.example,direct\nGOSUMDB=root.example+abc\nGOTOOLCHAIN=local\nGOFLAGS=-mod=mod\n"), 0o644)
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, []byte("GOSUMDB=off\n"), 0o644)

	tests := []struct {
		name   string
		vars   map[string]string
		goroot string
		key    string
		want   string
		source string
	}{
		{"go.env over the default", map[string]string{"GOENV": "off"}, root, "GOTOOLCHAIN", "local", "goroot"},
		{"go.env GOPROXY", map[string]string{"GOENV": "off"}, root, "GOPROXY", "https://root.example,direct", "goroot"},
		{"GOENV file over go.env", map[string]string{"GOENV": envFile}, root, "GOSUMDB", "off", "goenv"},
		{"process env over go.env", map[string]string{"GOENV": "off", "GOFLAGS": "-mod=vendor"}, root, "GOFLAGS", "-mod=vendor", "env"},
		{"VERSION", map[string]string{"GOENV": "off"}, root, "GOVERSION", "go1.24.2", "goroot"},
		{"no GOROOT: defaults", map[string]string{"GOENV": "off"}, "", "GOTOOLCHAIN", "auto", "default"},
		{"GOROOT without go.env", map[string]string{"GOENV": "off"}, t.TempDir(), "GOPROXY", DefaultGOPROXY, "default"},
	}
	for _, tt := range tests {
		e, err := Load(func(k string) string { return tt.vars[k] }, tt.goroot)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := e.Lookup(tt.key); got != tt.want || e.Source[tt.key] != tt.source {
			t.Errorf("%s: %s = %q from %q, want %q from %q", tt.name, tt.key, got, e.Source[tt.key], tt.want, tt.source)
		}
	}

	if got := FindGOROOT(func(k string) string { return map[string]string{"GOROOT": root}[k] }); got != root {
		t.Errorf("FindGOROOT with $GOROOT = %q, want %q", got, root)
	}
}

// TestProxyURL: paths join before the query string and are escaped as
// cmd/go's modfetch (newProxyRepo, getBody) and web.Join build them.
func TestProxyURL(t *testing.T) {
	tests := []struct{ base, rel, want string }{
		{"https://h.example", "example.test/x/@v/list", "https://h.example/example.test/x/@v/list"},
		{"https://h.example/", "example.test/x/@v/v1.0.0.info", "https://h.example/example.test/x/@v/v1.0.0.info"},
		{"https://h.example/p?token=T", "example.test/x/@v/v1.0.0.mod", "https://h.example/p/example.test/x/@v/v1.0.0.mod?token=T"},
		{"https://h.example/p/?token=T", "sumdb/sum.example.test/supported", "https://h.example/p/sumdb/sum.example.test/supported?token=T"},
		{"https://h.example/p?token=T", "/lookup/example.test/x@v1.0.0", "https://h.example/p/lookup/example.test/x@v1.0.0?token=T"},
		{"https://h.example/a%20b", "example.test/!upper/@v/!v1.0.0.zip", "https://h.example/a%20b/example.test/%21upper/@v/%21v1.0.0.zip"},
		{"https://h.example", "example.test/x/@v/v2.0.0+incompatible.zip", "https://h.example/example.test/x/@v/v2.0.0+incompatible.zip"},
		{"https://", "example.test/x/@latest", "https:///example.test/x/@latest"},
	}
	for _, tt := range tests {
		got, err := ProxyURL(tt.base, tt.rel)
		if err != nil || got != tt.want {
			t.Errorf("ProxyURL(%q, %q) = %q, %v; want %q", tt.base, tt.rel, got, err, tt.want)
		}
	}
}
