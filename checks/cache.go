package checks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/modcache"
	"github.com/gopreflight/gopreflight/plan"
	"github.com/gopreflight/gopreflight/workspace"
)

// cacheOn says whether the module cache serves versions in this run.
func (r *runner) cacheOn() bool {
	return r.cfg.ModCache != "" && r.cfg.Cache != CacheIgnore
}

// cacheEmpty says the module cache has no download directory (a cold
// runner's): no version can be served from it, and one look at the start
// of the run saves a file lookup per version.
func cacheEmpty(root string) bool {
	fi, err := os.Stat(modcache.Cache{Root: root}.DownloadDir())
	return err != nil || !fi.IsDir()
}

// fromCache serves t from the module cache when the files the go command
// would read are there: the go.mod (cmd/go's readDiskGoMod; the toolchain
// needs none) and, for a required module, the extracted directory or the
// zip with its recorded hash (Download, DownloadZip). The hashes to
// compare with go.sum are the cache's own: the .mod's and the .ziphash.
// With --depth full the directory and the zip are re-hashed against the
// recorded hash, as `go mod verify` does.
func (r *runner) fromCache(t *plan.Target) (Outcome, bool) {
	if !r.cacheOn() || r.noCache || t.Skip != "" || module.CanonicalVersion(t.Module.Version) != t.Module.Version {
		return Outcome{}, false
	}
	e, err := modcache.Cache{Root: r.cfg.ModCache}.Lookup(t.Module)
	if err != nil {
		return Outcome{}, false
	}
	needZip := t.Need == plan.NeedZip
	if !t.Toolchain && !e.HasMod() || needZip && !e.HasZip() {
		return Outcome{}, false
	}
	o := Outcome{Status: StatusOK, Cause: cause.OK, Via: ViaCache, Detail: "served from the module cache"}
	where := e.ModFile
	if !t.Toolchain {
		o.ModHash = e.ModHash()
		o.Graph = graphOf(e.Mod, t)
	}
	if needZip {
		o.ZipHash = e.ZipHash
		where = e.Zip
		if e.Dir != "" {
			where = e.Dir
		}
		if r.cfg.Depth == DepthFull {
			o.Modified = verifyCached(e, t.Module, t.Sum)
		}
	}
	o.Attempts = []Attempt{{Source: ViaCache, URL: "file://" + filepath.ToSlash(where), Cause: cause.OK, Detail: o.Detail}}
	return o, true
}

// verifyCached re-hashes the cached zip and extracted directory and says
// which differs from the recorded hash, as `go mod verify` reports it:
// compared with go.sum's line when it has the recorded hash (a line that
// differs is a mismatch of its own), else with the recorded hash.
func verifyCached(e modcache.Entry, m module.Version, sum *workspace.Sum) string {
	ref := "the hash the cache recorded, " + e.ZipHash
	if sum != nil && sum.Hash == e.ZipHash {
		ref = "go.sum's " + sum.Hash
	}
	check := func(what string, hash func() (string, error)) string {
		h, err := hash()
		switch {
		case err != nil:
			return fmt.Sprintf("%s cannot be hashed: %v", what, err)
		case h != e.ZipHash:
			return fmt.Sprintf("%s hashes to %s, no longer matching %s", what, h, ref)
		}
		return ""
	}
	if e.Zip != "" {
		if s := check("the cached zip "+e.Zip, func() (string, error) { return modcache.HashZip(e.Zip) }); s != "" {
			return s
		}
	}
	if e.Dir != "" {
		return check("the extracted directory "+e.Dir, func() (string, error) { return modcache.HashDir(e.Dir, m) })
	}
	return ""
}

// lookupDisabled is the GOPROXY=off entry's answer: the module cache
// (consulted before any route) did not serve the version.
func (r *runner) lookupDisabled() Outcome {
	o := Outcome{Via: goenv.Off, Status: StatusUnreachable, Cause: cause.NotFound}
	o.Detail = "GOPROXY=off: not in the module cache"
	if !r.cacheOn() {
		o.Detail = "GOPROXY=off: the module cache is left out (--cache ignore)"
	}
	o.Attempts = []Attempt{{Source: goenv.Off, Cause: cause.NotFound, Detail: o.Detail}}
	return o
}

// offline resolves a version the module cache lacks with no network:
// only GOPROXY's file:// entries, in order, can serve it.
func (r *runner) offline(ctx context.Context, t *plan.Target) Outcome {
	var attempts []Attempt
	if !t.Direct { // GONOPROXY modules never use GOPROXY
		for _, e := range r.cfg.Proxies {
			if !goenv.IsFile(e.URL) {
				continue
			}
			o := r.fromProxy(ctx, e.URL, t) // a file:// entry: no request leaves the machine
			attempts = append(attempts, o.Attempts...)
			if o.Status == StatusOK || !o.notExist() {
				o.Attempts = attempts
				return o
			}
		}
	}
	o := Outcome{Via: goenv.Off, Status: StatusUnreachable, Cause: cause.NotFound, Attempts: attempts}
	o.Detail = "--offline: not in the module cache, nor in a file:// GOPROXY directory"
	if !r.cacheOn() {
		o.Detail = "--offline with --cache ignore: not in a file:// GOPROXY directory"
	}
	o.Attempts = append(o.Attempts, Attempt{Source: goenv.Off, Cause: cause.NotFound, Detail: o.Detail})
	return o
}
