package vcs

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestStatic(t *testing.T) {
	tests := []struct {
		path, scheme string
		want         Root
		ok           bool
	}{
		{"github.com/owner/repo/sub/pkg", "https", Root{Prefix: "github.com/owner/repo", VCS: "git", Repo: "https://github.com/owner/repo"}, true},
		{"bitbucket.org/o/r", "https", Root{Prefix: "bitbucket.org/o/r", VCS: "git", Repo: "https://bitbucket.org/o/r"}, true},
		{"example.test/repo.git/sub", "https", Root{Prefix: "example.test/repo.git", VCS: "git", Repo: "https://example.test/repo"}, true},
		{"example.test:8080/x/repo.hg", "http", Root{Prefix: "example.test:8080/x/repo.hg", VCS: "hg", Repo: "http://example.test:8080/x/repo"}, true},
		{"example.test/mod", "https", Root{}, false},
		{"github.com/onlyowner", "https", Root{}, false},
	}
	for _, tt := range tests {
		got, ok := Static(tt.path, tt.scheme)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Static(%q) = %+v, %v; want %+v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseGoImport(t *testing.T) {
	page := `<!DOCTYPE html><html><head>
<meta name="go-import" content="example.test/other git https://git.example/other">
<meta name="go-import" content="example.test/mod git https://git.example/mod.git">
<meta name="go-import" content="example.test/mod mod https://proxy.example">
</head><body><meta name="go-import" content="example.test/mod git https://evil.example/x"></body></html>`
	got, err := ParseGoImport([]byte(page), "example.test/mod/sub")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Root{Prefix: "example.test/mod", VCS: "mod", Repo: "https://proxy.example"}); got != want {
		t.Errorf("got %+v, want %+v (tags in <body> are ignored, the mod entry wins as with cmd/go's PreferMod)", got, want)
	}
	two := `<meta name="go-import" content="example.test/mod git https://a.example/mod.git">
<meta name="go-import" content="example.test/mod git https://b.example/mod.git">`
	if _, err := ParseGoImport([]byte(two), "example.test/mod"); err == nil {
		t.Error("two matching VCS tags were accepted; cmd/go rejects them")
	}
	sub, err := ParseGoImport([]byte(`<meta name="go-import" content="example.test/mono git https://git.example/mono.git go/mono">`), "example.test/mono")
	if err != nil || sub.SubDir != "go/mono" {
		t.Errorf("subdirectory field: %+v, %v", sub, err)
	}
	if _, err := ParseGoImport([]byte("<html><head><title>login</title></head></html>"), "example.test/mod"); err == nil {
		t.Error("a page without a go-import tag was accepted")
	}
	if _, err := ParseGoImport([]byte(page), "example.test/modx"); err == nil {
		t.Error("a prefix that is not a path-element prefix matched")
	}
}

func pkt(s string) string { return fmt.Sprintf("%04x%s", len(s)+4, s) }

func TestRefs(t *testing.T) {
	h1, h2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	adv := pkt("# service=git-upload-pack\n") + "0000" +
		pkt(h1+" HEAD\x00multi_ack side-band-64k\n") +
		pkt(h1+" refs/heads/main\n") +
		pkt(h2+" refs/tags/v1.0.0\n") +
		pkt(h1+" refs/tags/sub/v0.2.0\n") +
		pkt(h2+" refs/tags/v1.0.0^{}\n") + "0000"
	refs, err := Refs([]byte(adv))
	if err != nil {
		t.Fatal(err)
	}
	if refs["refs/tags/v1.0.0"] != h2 || refs["HEAD"] != h1 {
		t.Errorf("refs = %v", refs)
	}
	if got := TagNames(refs); !reflect.DeepEqual(got, []string{"sub/v0.2.0", "v1.0.0"}) {
		t.Errorf("TagNames = %v", got)
	}
	for _, bad := range []string{"zzzz", pkt("# service=git-upload-pack\n") + "0000", "00ff" + h1} {
		if _, err := Refs([]byte(bad)); err == nil {
			t.Errorf("Refs(%q) accepted malformed input", bad)
		}
	}
}

func TestInsteadOf(t *testing.T) {
	rw := ParseInsteadOf("url.https://ci:tok@git.example/.insteadof https://git.example/\nurl.http://127.0.0.1:9/.insteadof https://git.example/private/\nnot a line\n")
	tests := map[string]string{
		"https://git.example/team/repo":    "https://ci:tok@git.example/team/repo",
		"https://git.example/private/repo": "http://127.0.0.1:9/repo",
		"https://other.example/repo":       "https://other.example/repo",
	}
	for in, want := range tests {
		if got := rw.Rewrite(in); got != want {
			t.Errorf("Rewrite(%q) = %q, want %q (longest prefix wins)", in, got, want)
		}
	}
}
