package goenv

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Credential is one .netrc machine entry.
type Credential struct {
	Machine, Login, Password string
}

// Netrc reads the credentials the go command would use: $NETRC, else
// ~/.netrc (~/_netrc on Windows). GOAUTH=off disables them. A missing or
// unreadable file yields none.
func (e *Env) Netrc() []Credential {
	if strings.TrimSpace(e.GOAUTH) == "off" || !strings.Contains(e.GOAUTH, "netrc") {
		return nil
	}
	path := e.Getenv("NETRC")
	if path == "" {
		home := e.Getenv("HOME")
		if runtime.GOOS == "windows" {
			home = e.Getenv("USERPROFILE")
		}
		if home == "" {
			return nil
		}
		name := ".netrc"
		if runtime.GOOS == "windows" {
			name = "_netrc"
		}
		path = filepath.Join(home, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return ParseNetrc(string(data))
}

// ParseNetrc parses .netrc text: machine, login, password tokens; the
// first entry for a machine wins; macdef bodies are skipped.
func ParseNetrc(data string) []Credential {
	var out []Credential
	var cur *Credential
	seen := map[string]bool{}
	flush := func() {
		// cmd/go uses only entries with machine, login and password.
		if cur != nil && cur.Machine != "" && cur.Login != "" && cur.Password != "" && !seen[cur.Machine] {
			seen[cur.Machine] = true
			out = append(out, *cur)
		}
		cur = nil
	}
	for _, para := range strings.Split(data, "\n\n") {
		f := strings.Fields(para)
		for i := 0; i < len(f); i++ {
			switch f[i] {
			case "machine":
				flush()
				if i+1 < len(f) {
					cur = &Credential{Machine: f[i+1]}
					i++
				}
			case "default":
				flush()
			case "login", "password":
				if cur != nil && i+1 < len(f) {
					if f[i] == "login" {
						cur.Login = f[i+1]
					} else {
						cur.Password = f[i+1]
					}
					i++
				}
			case "macdef":
				flush()
				i = len(f) // a macro runs to the blank line
			}
		}
	}
	flush()
	return out
}

// CredentialsFor returns the login and password for host, written as a
// URL writes it: "host", or "host:port" when the URL names a port. The
// machine must match it exactly, as cmd/go's credential cache (keyed by
// the URL without "https://") matches it, so an entry for a host sends
// nothing to its other ports.
func CredentialsFor(creds []Credential, host string) (string, string, bool) {
	for _, c := range creds {
		if c.Machine == host {
			return c.Login, c.Password, true
		}
	}
	return "", "", false
}
