package main

import (
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/internal/gittest"
	"github.com/gopreflight/gopreflight/probe"
	"github.com/gopreflight/gopreflight/report"
)

// TestDirectMatchesGoCommand checks the VCS route of GOPRIVATE modules
// against the go command, over a real git smart-HTTP server: a path naming
// its VCS (no discovery; git insteadOf sends it to the server) and go-get
// discovery through a forward proxy with GOINSECURE.
func TestDirectMatchesGoCommand(t *testing.T) {
	srv := gittest.New(t, gittest.Options{})
	srv.AddRepo("repo", "example.test/repo.git", map[string]string{"r.go": "package repo\n"}, "v1.0.0")
	discURL, _ := srv.AddRepo("disc", "example.test/disc", map[string]string{"d.go": "package disc\n"}, "v1.2.0")
	srv.ServeGoImport("example.test/disc", discURL)
	gitconfig := srv.WriteGitConfig("example.test")

	tests := []struct {
		name string
		vars map[string]string
		mods map[string]report.Status // path@version -> status
	}{
		{
			name: "path naming its VCS, via insteadOf",
			vars: map[string]string{"GIT_CONFIG_GLOBAL": gitconfig, "GIT_CONFIG_NOSYSTEM": "1"},
			mods: map[string]report.Status{"example.test/repo.git@v1.0.0": report.StatusOK, "example.test/repo.git@v1.5.0": report.StatusNotFound},
		},
		{
			name: "go-get discovery through a forward proxy",
			vars: map[string]string{"HTTP_PROXY": srv.URL(), "HTTPS_PROXY": srv.URL(), "NO_PROXY": "127.0.0.1,localhost", "GOINSECURE": "example.test"},
			mods: map[string]report.Status{"example.test/disc@v1.2.0": report.StatusOK, "example.test/disc@v1.3.0": report.StatusNotFound},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"GOPROXY": "direct", "GOPRIVATE": "example.test"}
			vars := []string{"GOPROXY=direct", "GOPRIVATE=example.test"}
			for k, v := range tt.vars {
				env[k] = v
				vars = append(vars, k+"="+v)
			}
			var req strings.Builder
			var ids []string
			for id := range tt.mods {
				p, v, _ := strings.Cut(id, "@")
				req.WriteString("require " + p + " " + v + "\n")
				ids = append(ids, id)
			}
			dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\n" + req.String()})
			tr := runTool(t, env, "--retries", "0", dir)
			t.Log(tr.stdout)
			verdicts := judge(t, vars, ids...)
			t.Log(verdicts)
			for id, want := range tt.mods {
				p, v, _ := strings.Cut(id, "@")
				m := tr.module(t, p, v)
				if m.Status != want || m.Via != "direct" {
					t.Errorf("%s: %s via %s (%s: %s), want %s via direct", id, m.Status, m.Via, m.Cause, m.Detail, want)
				}
				if goErr := verdicts[id]; (m.Status == report.StatusOK) != (goErr == "") {
					t.Errorf("%s: gopreflight says %s, the go command says %q", id, m.Status, goErr)
				}
			}
			for _, e := range tr.rep.Endpoints {
				if e.Role != probe.RoleVCS && e.Role != probe.RoleForwardProxy {
					t.Errorf("endpoint %s has role %s, want vcs or forward_proxy", e.URL, e.Role)
				}
			}
		})
	}
}

// TestDirectCredentials: a git host that wants credentials answers 401
// without them (http_unauthorized, not not_found) and works with the token
// an insteadOf URL carries, which never reaches the report.
func TestDirectCredentials(t *testing.T) {
	srv := gittest.New(t, gittest.Options{User: "ci", Password: "s3cret-token"})
	srv.AddRepo("repo", "example.test/repo.git", map[string]string{"r.go": "package repo\n"}, "v1.0.0")
	dir := writeModule(t, map[string]string{"go.mod": "module example.test/app\n\ngo 1.21\n\nrequire example.test/repo.git v1.0.0\n"})
	env := map[string]string{"GOPROXY": "direct", "GOPRIVATE": "example.test", "GIT_CONFIG_NOSYSTEM": "1"}

	withToken := srv.WriteGitConfig("example.test")
	// Rewritten to the server, but without the credentials.
	env["GIT_CONFIG_GLOBAL"] = writeModule(t, map[string]string{"gitconfig": "[url \"" + srv.URL() + "/\"]\n\tinsteadOf = https://example.test/\n"}) + "/gitconfig"
	tr := runTool(t, env, "--retries", "0", dir)
	m := tr.module(t, "example.test/repo.git", "v1.0.0")
	if m.Status != report.StatusUnreachable || m.Cause != cause.HTTPUnauthorized {
		t.Errorf("without credentials: %s/%s (%s), want unreachable/http_unauthorized", m.Status, m.Cause, m.Detail)
	}

	env["GIT_CONFIG_GLOBAL"] = withToken
	tr = runTool(t, env, "--retries", "0", dir)
	if m := tr.module(t, "example.test/repo.git", "v1.0.0"); m.Status != report.StatusOK {
		t.Errorf("with the insteadOf token: %s/%s (%s), want ok", m.Status, m.Cause, m.Detail)
	}
	if strings.Contains(tr.stdout, "s3cret-token") || strings.Contains(tr.stderr, "s3cret-token") || strings.Contains(mustJSON(t, tr.rep), "s3cret-token") {
		t.Error("the token reached the report")
	}
}
