package checks

import (
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/gopreflight/gopreflight/modhash"
)

// modHash is the go.sum "/go.mod h1:" hash of a go.mod file's bytes.
func modHash(data []byte) string {
	h, _ := modhash.Mod(data) // "" never matches a go.sum line
	return h
}

// zipFileHash is the go.sum "h1:" hash of a module zip file; "" when the
// file is not a zip.
func zipFileHash(name string) string {
	h, _ := dirhash.HashZip(name, dirhash.Hash1)
	return h
}
