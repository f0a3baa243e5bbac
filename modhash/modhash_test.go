package modhash

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"
)

// TestMatchesDirhash: the in-memory hashes equal what x/mod computes from
// files on disk, which is what the go command records.
func TestMatchesDirhash(t *testing.T) {
	dir := t.TempDir()
	mod := []byte("module example.test/a\n\ngo 1.21\n")
	modFile := filepath.Join(dir, "go.mod")
	os.WriteFile(modFile, mod, 0o644)
	want, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) { return os.Open(modFile) })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Mod(mod); err != nil || got != want {
		t.Errorf("Mod = %q, %v; want %q", got, err, want)
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{"example.test/a@v1.0.0/go.mod": string(mod), "example.test/a@v1.0.0/a.go": "package a\n"} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	zipFile := filepath.Join(dir, "m.zip")
	os.WriteFile(zipFile, buf.Bytes(), 0o644)
	want, err = dirhash.HashZip(zipFile, dirhash.Hash1)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Zip(buf.Bytes()); err != nil || got != want {
		t.Errorf("Zip = %q, %v; want %q", got, err, want)
	}
	if _, err := Zip([]byte("<html>not a zip</html>")); err == nil {
		t.Error("Zip accepted bytes that are not a zip")
	}
}
