// Package modbuild builds what a module proxy serves for one module
// version, the way a real proxy does: the .info JSON, the go.mod, and the
// zip made with golang.org/x/mod/zip. The test proxy and the benchmark's
// synthesising proxy both serve what it builds.
package modbuild

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"

	"github.com/gopreflight/gopreflight/modhash"
)

// DefaultTime is the .info Time of a release version built without one.
var DefaultTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Version is what a proxy serves for one module version.
type Version struct {
	Info []byte // the @v/<version>.info JSON, newline-terminated
	Mod  []byte // the go.mod that go.sum's /go.mod line hashes
	Zip  []byte
	Time time.Time
}

// Build builds m from files (name → content; a go.mod among them is the
// module's own). Without a go.mod, one is synthesised as proxies do: a
// +incompatible version gets only the module line and keeps none in its
// zip. A zero t means the pseudo-version's time, else DefaultTime.
func Build(m module.Version, files map[string]string, t time.Time) (*Version, error) {
	if err := module.Check(m.Path, m.Version); err != nil {
		return nil, fmt.Errorf("invalid module: %w", err)
	}
	if !semver.IsValid(m.Version) || semver.Canonical(m.Version) != strings.TrimSuffix(m.Version, "+incompatible") {
		return nil, fmt.Errorf("version %q is not canonical", m.Version)
	}
	all := make(map[string]string, len(files)+1)
	for name, content := range files {
		all[name] = content
	}
	mod, ok := all["go.mod"]
	if !ok {
		mod = "module " + m.Path + "\n"
		if !strings.HasSuffix(m.Version, "+incompatible") {
			mod += "\ngo 1.21\n"
			all["go.mod"] = mod
		}
	}
	if t.IsZero() {
		t = DefaultTime
		if pt, err := module.PseudoVersionTime(m.Version); err == nil {
			t = pt
		}
	}
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{m.Version, t.UTC()})
	if err != nil {
		return nil, fmt.Errorf("encoding info: %w", err)
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	zfiles := make([]modzip.File, 0, len(names))
	for _, name := range names {
		zfiles = append(zfiles, memFile{name: name, data: []byte(all[name]), mt: t})
	}
	var buf bytes.Buffer
	if err := modzip.Create(&buf, m, zfiles); err != nil {
		return nil, fmt.Errorf("creating zip of %s: %w", m, err)
	}
	return &Version{Info: append(info, '\n'), Mod: []byte(mod), Zip: buf.Bytes(), Time: t}, nil
}

// GoSum returns the two go.sum lines of m as the go command writes them.
func (v *Version) GoSum(m module.Version) (zipLine, modLine string, err error) {
	zh, err := modhash.Zip(v.Zip)
	if err != nil {
		return "", "", err
	}
	mh, err := modhash.Mod(v.Mod)
	if err != nil {
		return "", "", err
	}
	return m.Path + " " + m.Version + " " + zh, m.Path + " " + m.Version + "/go.mod " + mh, nil
}

// memFile is an in-memory modzip.File.
type memFile struct {
	name string
	data []byte
	mt   time.Time
}

func (f memFile) Path() string                 { return f.name }
func (f memFile) Lstat() (fs.FileInfo, error)  { return f, nil }
func (f memFile) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.data)), nil }
func (f memFile) Name() string                 { return f.name[strings.LastIndex(f.name, "/")+1:] }
func (f memFile) Size() int64                  { return int64(len(f.data)) }
func (f memFile) Mode() fs.FileMode            { return 0o644 }
func (f memFile) ModTime() time.Time           { return f.mt }
func (f memFile) IsDir() bool                  { return false }
func (f memFile) Sys() any                     { return nil }
