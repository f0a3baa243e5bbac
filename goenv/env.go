// Package goenv resolves the Go environment the way the go command does:
// the process environment first, then the GOENV file, then Go's defaults.
// It needs no go binary, so it works in a minimal container image.
package goenv

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// The go command's defaults for the public module mirror and checksum
// database. These are the only places their names appear.
const (
	DefaultGOPROXY = "https://proxy.golang.org,direct"
	DefaultGOSUMDB = "sum.golang.org"
	defaultSumKey  = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
	sumdbAlias     = "sum.golang.google.cn"
)

// Vars lists the variables Load resolves, in the order reports print them.
var Vars = []string{
	"GOPROXY", "GONOPROXY", "GOPRIVATE", "GONOSUMDB", "GOSUMDB", "GOFLAGS",
	"GOINSECURE", "GOTOOLCHAIN", "GOAUTH", "GOOS", "GOARCH", "GOVERSION",
}

// Env is a resolved Go environment.
type Env struct {
	GOPROXY, GONOPROXY, GOPRIVATE, GONOSUMDB, GOSUMDB string
	GOFLAGS, GOINSECURE, GOTOOLCHAIN, GOAUTH          string
	GOOS, GOARCH                                      string
	// GOVERSION is the local go's version ("go1.22.4"), or "" when unknown.
	GOVERSION string

	// Source says where each variable came from: "env", "goenv", "default".
	Source map[string]string
	// Getenv reads the process environment (HTTPS_PROXY, NETRC, HOME, ...).
	Getenv func(string) string
}

// Load resolves the environment. getenv is usually os.Getenv; goVersion is
// the local go's version or "" when no go binary is known.
func Load(getenv func(string) string, goVersion string) (*Env, error) {
	file, err := readGoEnvFile(getenv)
	if err != nil {
		return nil, err
	}
	e := &Env{Source: map[string]string{}, Getenv: getenv, GOVERSION: goVersion}
	get := func(key, def string) string {
		if v, ok := lookup(getenv, key); ok {
			e.Source[key] = "env"
			return v
		}
		if v, ok := file[key]; ok {
			e.Source[key] = "goenv"
			return v
		}
		e.Source[key] = "default"
		return def
	}
	e.GOPROXY = get("GOPROXY", DefaultGOPROXY)
	e.GOPRIVATE = get("GOPRIVATE", "")
	e.GONOPROXY = get("GONOPROXY", e.GOPRIVATE)
	e.GONOSUMDB = get("GONOSUMDB", e.GOPRIVATE)
	e.GOSUMDB = get("GOSUMDB", DefaultGOSUMDB)
	e.GOFLAGS = get("GOFLAGS", "")
	e.GOINSECURE = get("GOINSECURE", "")
	e.GOTOOLCHAIN = get("GOTOOLCHAIN", "auto")
	e.GOAUTH = get("GOAUTH", "netrc")
	e.GOOS = get("GOOS", runtime.GOOS)
	e.GOARCH = get("GOARCH", runtime.GOARCH)
	return e, nil
}

// lookup treats an empty variable as unset, as the go command does for
// these settings.
func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

// readGoEnvFile reads the file `go env -w` writes: $GOENV, or
// $XDG_CONFIG_HOME/go/env (os.UserConfigDir), "off" disabling it.
func readGoEnvFile(getenv func(string) string) (map[string]string, error) {
	path := getenv("GOENV")
	if path == "off" {
		return nil, nil
	}
	if path == "" {
		dir := configDir(getenv)
		if dir == "" {
			return nil, nil
		}
		path = filepath.Join(dir, "go", "env")
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading GOENV file: %w", err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue // the go command ignores such lines too
		}
		vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return vars, nil
}

// configDir mirrors os.UserConfigDir but reads the injected environment,
// so tests and callers control it.
func configDir(getenv func(string) string) string {
	switch runtime.GOOS {
	case "windows":
		return getenv("AppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			return filepath.Join(h, "Library", "Application Support")
		}
		return ""
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".config")
	}
	return ""
}

// ModFlag returns the -mod value in GOFLAGS ("vendor", "mod", "readonly")
// or "".
func (e *Env) ModFlag() string {
	mod := ""
	for _, f := range strings.Fields(e.GOFLAGS) {
		f = strings.TrimLeft(f, "-")
		if v, ok := strings.CutPrefix(f, "mod="); ok {
			mod = v // the last one wins, as with flags
		}
	}
	return mod
}

// Lookup returns a variable by name, for reports.
func (e *Env) Lookup(key string) string {
	switch key {
	case "GOPROXY":
		return e.GOPROXY
	case "GONOPROXY":
		return e.GONOPROXY
	case "GOPRIVATE":
		return e.GOPRIVATE
	case "GONOSUMDB":
		return e.GONOSUMDB
	case "GOSUMDB":
		return e.GOSUMDB
	case "GOFLAGS":
		return e.GOFLAGS
	case "GOINSECURE":
		return e.GOINSECURE
	case "GOTOOLCHAIN":
		return e.GOTOOLCHAIN
	case "GOAUTH":
		return e.GOAUTH
	case "GOOS":
		return e.GOOS
	case "GOARCH":
		return e.GOARCH
	case "GOVERSION":
		return e.GOVERSION
	}
	return e.Getenv(key)
}
