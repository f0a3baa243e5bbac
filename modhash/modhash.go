// Package modhash computes the "h1:" hashes go.sum records, from bytes in
// memory: a module's go.mod (the "/go.mod" lines) and its zip.
package modhash

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/dirhash"
)

// Mod returns the go.sum hash of go.mod content, as the go command
// computes it for "/go.mod" lines.
func Mod(data []byte) (string, error) {
	h, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing go.mod: %w", err)
	}
	return h, nil
}

// Zip returns the go.sum hash of a module zip's bytes, as
// dirhash.HashZip computes it from a file.
func Zip(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", fmt.Errorf("reading zip: %w", err)
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
		return "", fmt.Errorf("hashing zip: %w", err)
	}
	return h, nil
}
