package checks

import (
	"archive/zip"
	"bytes"
	"io"

	"golang.org/x/mod/sumdb/dirhash"
)

// modHash is the go.sum "/go.mod h1:" hash of a go.mod file's bytes.
func modHash(data []byte) string {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return ""
	}
	return h
}

// zipHash is the go.sum "h1:" hash of a module zip's bytes, as
// dirhash.HashZip computes it from a file; "" when the bytes are not a zip.
func zipHash(data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return ""
	}
	files := make([]string, 0, len(zr.File))
	byName := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files = append(files, f.Name)
		byName[f.Name] = f
	}
	h, err := dirhash.Hash1(files, func(name string) (io.ReadCloser, error) {
		return byName[name].Open()
	})
	if err != nil {
		return ""
	}
	return h
}
