package checks

import (
	"github.com/gopreflight/gopreflight/modhash"
)

// modHash is the go.sum "/go.mod h1:" hash of a go.mod file's bytes.
func modHash(data []byte) string {
	h, _ := modhash.Mod(data) // "" never matches a go.sum line
	return h
}

// zipHash is the go.sum "h1:" hash of a module zip's bytes; "" when the
// bytes are not a zip.
func zipHash(data []byte) string {
	h, _ := modhash.Zip(data)
	return h
}
