// Package modcache reads the go command's module cache (GOMODCACHE) the
// way cmd/go/internal/modfetch does, without running go: where the cache
// is, which files of a module version it holds (the go.mod, the zip and
// its recorded hash, the extracted directory), whether those would serve a
// build without a download, and the hashes to compare with go.sum. It
// never writes to the cache.
package modcache

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
)

// Dir returns GOMODCACHE as the go command resolves it (cmd/go's
// cfg.GOMODCACHE): the variable (lookup reads the environment, then the
// `go env -w` file), else the first GOPATH entry + /pkg/mod, GOPATH
// defaulting to $HOME/go unless that is GOROOT. "" when there is no
// usable cache: the go command refuses a relative GOMODCACHE or GOPATH.
func Dir(lookup func(string) string, getenv func(string) string, goroot string) string {
	if v := lookup("GOMODCACHE"); v != "" {
		if !filepath.IsAbs(v) {
			return ""
		}
		return v
	}
	gopath := lookup("GOPATH")
	if gopath == "" {
		home := getenv(homeVar())
		if home == "" {
			return ""
		}
		gopath = filepath.Join(home, "go")
		if goroot != "" && filepath.Clean(gopath) == filepath.Clean(goroot) {
			return "" // cmd/go: "cannot set GOROOT as GOPATH"
		}
	}
	first := filepath.SplitList(gopath)
	if len(first) == 0 || first[0] == "" || !filepath.IsAbs(first[0]) {
		return ""
	}
	return filepath.Join(first[0], "pkg", "mod")
}

func homeVar() string {
	switch runtime.GOOS {
	case "windows":
		return "USERPROFILE"
	case "plan9":
		return "home"
	}
	return "HOME"
}

// Cache is a module cache directory.
type Cache struct {
	Root string
}

// Entry is what the cache holds for one module version.
type Entry struct {
	// Mod is the cached go.mod (cache/download/<path>/@v/<version>.mod),
	// nil when absent or left by an old vgo (which the go command ignores).
	Mod []byte
	// ModFile is where the go.mod is (or would be).
	ModFile string
	// Info says whether the .info file is there (`go mod download` wants
	// it; a build of canonical versions does not).
	Info bool
	// ZipHash is the h1: hash the cache recorded for the zip (.ziphash),
	// recomputed from the zip when the file holds no valid hash, as
	// cmd/go's checkMod does; "" when there is none.
	ZipHash string
	// Zip is the cached zip's path, "" when absent.
	Zip string
	// Dir is the extracted directory (<path>@<version>) when it is
	// completely extracted: no .partial file, a .ziphash beside the zip
	// (cmd/go's DownloadDir); "" otherwise.
	Dir string
	// Broken says why the zip's files cannot serve the build though they
	// are there (a ziphash the go command rejects), "" when they can.
	Broken string
}

// HasMod says whether the go.mod would be read from the cache.
func (e Entry) HasMod() bool { return e.Mod != nil }

// HasZip says whether the module's files would come from the cache with no
// download: the extracted directory, or the zip with its hash
// (cmd/go's Download and DownloadZip).
func (e Entry) HasZip() bool {
	return e.Broken == "" && e.ZipHash != "" && (e.Dir != "" || e.Zip != "")
}

// ModHash is the go.sum hash of the cached go.mod, "" when absent.
func (e Entry) ModHash() string {
	if e.Mod == nil {
		return ""
	}
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(e.Mod)), nil
	})
	if err != nil {
		return ""
	}
	return h
}

// oldVgoPrefix marks a go.mod converted by an old vgo, which cmd/go treats
// as absent.
var oldVgoPrefix = []byte("//vgo 0.0.")

// Lookup reads what the cache holds for m. It fails only for a path or
// version the cache cannot name.
func (c Cache) Lookup(m module.Version) (Entry, error) {
	dl, err := c.downloadDir(m)
	if err != nil {
		return Entry{}, err
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		return Entry{}, err
	}
	base := filepath.Join(dl, ev)
	e := Entry{ModFile: base + ".mod"}
	if _, err := os.Stat(dl); errors.Is(err, fs.ErrNotExist) {
		// Nothing of the module was ever downloaded: without its
		// download directory the cache holds no go.mod and no zip hash,
		// so nothing below could serve it. One stat instead of six
		// matters when the deadline leaves a large graph to look up.
		return e, nil
	}
	if data, err := os.ReadFile(e.ModFile); err == nil && !bytes.HasPrefix(data, oldVgoPrefix) {
		e.Mod = data
	}
	if _, err := os.Stat(base + ".info"); err == nil {
		e.Info = true
	}
	if fi, err := os.Stat(base + ".zip"); err == nil && fi.Mode().IsRegular() {
		e.Zip = base + ".zip"
	}
	data, hashErr := os.ReadFile(base + ".ziphash")
	if hashErr == nil {
		data = bytes.TrimSpace(data)
		switch {
		case !isValidSum(data) && e.Zip != "":
			// cmd/go re-hashes the zip and carries on.
			if h, err := dirhash.HashZip(e.Zip, dirhash.Hash1); err == nil {
				e.ZipHash = h
			} else {
				e.Broken = fmt.Sprintf("%s: %v", e.Zip, err)
			}
		case !isValidSum(data):
			e.Broken = fmt.Sprintf("%s.ziphash holds no valid hash and there is no zip to recompute it from", base)
		case !strings.HasPrefix(string(data), "h1:"):
			e.Broken = fmt.Sprintf("%s.ziphash: unexpected ziphash %q", base, data)
		default:
			e.ZipHash = string(data)
		}
	} else if e.Zip != "" {
		// The ziphash was lost: cmd/go re-hashes the zip without a download.
		if h, err := dirhash.HashZip(e.Zip, dirhash.Hash1); err == nil {
			e.ZipHash = h
		} else {
			e.Broken = fmt.Sprintf("%s: %v", e.Zip, err)
		}
	}
	dir, err := c.extractedDir(m)
	if err != nil {
		return Entry{}, err
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		_, partial := os.Stat(base + ".partial")
		if errors.Is(partial, fs.ErrNotExist) && hashErr == nil {
			e.Dir = dir
		}
	}
	return e, nil
}

// HashDir re-hashes an extracted module directory as `go mod verify`
// does (dirhash.HashDir with the path@version prefix).
func HashDir(dir string, m module.Version) (string, error) {
	h, err := dirhash.HashDir(dir, m.Path+"@"+m.Version, dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", dir, err)
	}
	return h, nil
}

// HashZip re-hashes a cached zip as `go mod verify` does.
func HashZip(zip string) (string, error) {
	h, err := dirhash.HashZip(zip, dirhash.Hash1)
	if err != nil {
		return "", fmt.Errorf("hashing %s: %w", zip, err)
	}
	return h, nil
}

// DownloadDir is the file:// GOPROXY directory the cache doubles as
// (cache/download), as `go help goproxy` describes.
func (c Cache) DownloadDir() string {
	return filepath.Join(c.Root, "cache", "download")
}

func (c Cache) downloadDir(m module.Version) (string, error) {
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	if module.CanonicalVersion(m.Version) != m.Version {
		return "", fmt.Errorf("non-canonical module version %q", m.Version)
	}
	return filepath.Join(c.DownloadDir(), filepath.FromSlash(ep), "@v"), nil
}

func (c Cache) extractedDir(m module.Version) (string, error) {
	ep, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	ev, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.Root, filepath.FromSlash(ep)+"@"+ev), nil
}

// isValidSum is cmd/go's check of a .ziphash's content.
func isValidSum(data []byte) bool {
	return bytes.IndexByte(data, 0) < 0 && len(data) == len("h1:")+base64.StdEncoding.EncodedLen(sha256.Size)
}
