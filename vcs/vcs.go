// Package vcs resolves a module path to the repository the go command
// would clone for GOPROXY=direct: known hosting sites, paths naming their
// VCS, or <meta name="go-import"> discovery; and it reads git's
// smart-HTTP ref advertisement.
package vcs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Root is a resolved repository.
type Root struct {
	Prefix string // import path prefix the repository holds
	VCS    string // "git", "hg", "mod", ...
	Repo   string // repository URL
	// SubDir is the module's directory in the repository (the optional
	// fourth go-import field), which prefixes its tags.
	SubDir string
}

// knownHosts are the hosting sites the go command resolves without a
// discovery request (cmd/go/internal/vcs vcsPaths).
var knownHosts = []struct {
	prefix string
	re     *regexp.Regexp
}{
	{"github.com/", regexp.MustCompile(`^(github\.com/[\w.\-]+/[\w.\-]+)(/[\w.\-]+)*$`)},
	{"bitbucket.org/", regexp.MustCompile(`^(bitbucket\.org/[\w.\-]+/[\w.\-]+)(/[\w.\-]+)*$`)},
	{"git.openstack.org/", regexp.MustCompile(`^(git\.openstack\.org/[\w.\-]+/[\w.\-]+)(\.git)?(/[\w.\-]+)*$`)},
}

// vcsSuffix matches paths that name their VCS (example.test/repo.git/sub).
var vcsSuffix = regexp.MustCompile(`^((?:[a-z0-9.\-]+\.)+[a-z0-9.\-]+(?::[0-9]+)?(?:/~?[\w.\-]+)+?)\.(bzr|fossil|git|hg|svn)(/~?[\w.\-]+)*$`)

// Static resolves path without network access, or returns ok=false when
// discovery is needed. scheme is "https" or "http" (GOINSECURE).
func Static(path, scheme string) (Root, bool) {
	for _, h := range knownHosts {
		if !strings.HasPrefix(path, h.prefix) {
			continue
		}
		if m := h.re.FindStringSubmatch(path); m != nil {
			return Root{Prefix: m[1], VCS: "git", Repo: "https://" + m[1]}, true
		}
	}
	if m := vcsSuffix.FindStringSubmatch(path); m != nil {
		// As cmd/go: the repository URL drops the VCS suffix.
		return Root{Prefix: m[1] + "." + m[2], VCS: m[2], Repo: scheme + "://" + m[1]}, true
	}
	return Root{}, false
}

// ParseGoImport finds the go-import meta tag for path in an HTML page, as
// cmd/go does: the tag whose prefix is path or a parent of it.
func ParseGoImport(body []byte, path string) (Root, error) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var found []Root
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if !errors.Is(z.Err(), io.EOF) {
				return Root{}, z.Err()
			}
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if strings.EqualFold(tok.Data, "body") {
			break
		}
		if !strings.EqualFold(tok.Data, "meta") {
			continue
		}
		var name, content string
		for _, a := range tok.Attr {
			switch strings.ToLower(a.Key) {
			case "name":
				name = a.Val
			case "content":
				content = a.Val
			}
		}
		if name != "go-import" {
			continue
		}
		f := strings.Fields(content)
		if len(f) != 3 && len(f) != 4 {
			continue
		}
		if f[0] == path || strings.HasPrefix(path, f[0]+"/") {
			r := Root{Prefix: f[0], VCS: f[1], Repo: f[2]}
			if len(f) == 4 {
				r.SubDir = f[3]
			}
			found = append(found, r)
		}
	}
	if len(found) == 0 {
		return Root{}, fmt.Errorf("no go-import meta tag for %s", path)
	}
	// The module fetcher asks with PreferMod: a "mod" entry (a module
	// proxy serving this prefix) wins over the VCS entries.
	var mods []Root
	for _, r := range found {
		if r.VCS == "mod" {
			mods = append(mods, r)
		}
	}
	if len(mods) > 0 {
		found = mods
	}
	if len(found) > 1 {
		return Root{}, fmt.Errorf("multiple go-import meta tags match %s", path)
	}
	return found[0], nil
}

// InsteadOf holds git url.<base>.insteadOf rewrites.
type InsteadOf map[string]string // from prefix -> base

// gitEnv are the variables that decide which config files git reads.
var gitEnv = []string{"PATH", "HOME", "XDG_CONFIG_HOME", "USERPROFILE", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_COUNT"}

// ReadInsteadOf reads the rewrites from git config, as git would see it
// in the environment getenv describes, when git is installed.
func ReadInsteadOf(getenv func(string) string) InsteadOf {
	git, err := exec.LookPath("git")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, git, "config", "--get-regexp", `^url\..*\.insteadof$`)
	cmd.Env = []string{} // only what getenv gives: never this process's own
	for _, k := range gitEnv {
		if v := getenv(k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	// GIT_CONFIG_COUNT carries KEY_n/VALUE_n pairs (git -c from a parent).
	if n, err := strconv.Atoi(getenv("GIT_CONFIG_COUNT")); err == nil {
		for i := 0; i < n && i < 100; i++ {
			for _, k := range []string{"GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"} {
				cmd.Env = append(cmd.Env, fmt.Sprintf("%s%d=%s", k, i, getenv(fmt.Sprintf("%s%d", k, i))))
			}
		}
	}
	out, err := cmd.Output()
	if err != nil {
		return nil // exit 1: no such keys
	}
	return ParseInsteadOf(string(out))
}

// ParseInsteadOf parses `git config --get-regexp` output lines of the
// form "url.<base>.insteadof <prefix>".
func ParseInsteadOf(out string) InsteadOf {
	rw := InsteadOf{}
	for _, line := range strings.Split(out, "\n") {
		key, from, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		lower := strings.ToLower(key)
		if !strings.HasPrefix(lower, "url.") || !strings.HasSuffix(lower, ".insteadof") {
			continue
		}
		base := key[len("url.") : len(key)-len(".insteadof")]
		rw[from] = base
	}
	return rw
}

// Rewrite applies the longest matching insteadOf prefix, as git does.
func (rw InsteadOf) Rewrite(u string) string {
	best := ""
	for from := range rw {
		if strings.HasPrefix(u, from) && len(from) > len(best) {
			best = from
		}
	}
	if best == "" {
		return u
	}
	return rw[best] + u[len(best):]
}

// Refs parses a smart-HTTP upload-pack advertisement into ref name ->
// object hash.
func Refs(body []byte) (map[string]string, error) {
	refs := map[string]string{}
	for len(body) >= 4 {
		n, err := strconv.ParseUint(string(body[:4]), 16, 16)
		if err != nil {
			return nil, fmt.Errorf("malformed pkt-line length %q", body[:4])
		}
		if n == 0 { // flush-pkt
			body = body[4:]
			continue
		}
		if n < 4 || int(n) > len(body) {
			return nil, errors.New("truncated pkt-line")
		}
		line := string(body[4:n])
		body = body[n:]
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "# service=") {
			continue
		}
		line, _, _ = strings.Cut(line, "\x00") // capabilities
		hash, name, ok := strings.Cut(line, " ")
		if !ok || len(hash) < 40 {
			continue
		}
		refs[name] = hash
	}
	if len(refs) == 0 {
		return nil, errors.New("no refs advertised")
	}
	return refs, nil
}

// TagNames lists refs/tags names, sorted, without the peeled "^{}".
func TagNames(refs map[string]string) []string {
	var tags []string
	for name := range refs {
		if t, ok := strings.CutPrefix(name, "refs/tags/"); ok && !strings.HasSuffix(t, "^{}") {
			tags = append(tags, t)
		}
	}
	sort.Strings(tags)
	return tags
}
