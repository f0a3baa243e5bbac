// Package textguard makes text that servers, go.mod files or the
// environment supplied safe to store and print: known secrets (and their
// URL-encoded and base64 user:pass forms) redacted, control characters
// (terminal escapes) escaped, and lengths bounded with a visible note.
package textguard

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Redacted replaces a known secret.
const Redacted = "***"

// minSecret is the shortest string treated as a secret: shorter ones
// (a one- or two-letter login) would blank out ordinary words.
const minSecret = 3

// Pair is a login and its password, as sent in HTTP basic auth.
type Pair struct{ User, Pass string }

// Forms returns secrets with the shapes they take on the wire: each as
// written, URL-encoded (query and path), and for each pair "user:pass"
// and its base64 (standard, URL-safe, with and without padding), the
// form a server echoing an Authorization header would send back.
func Forms(secrets []string, pairs []Pair) []string {
	var out []string
	add := func(s string) {
		if len(s) >= minSecret {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	for _, s := range secrets {
		add(s)
	}
	for _, p := range pairs {
		if p.Pass == "" {
			continue
		}
		add(p.Pass)
		up := p.User + ":" + p.Pass
		add(up)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			out = append(out, enc.EncodeToString([]byte(up)))
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	seen := map[string]bool{}
	uniq := out[:0]
	for _, s := range out {
		if !seen[s] {
			seen[s] = true
			uniq = append(uniq, s)
		}
	}
	return uniq
}

// Redactor replaces every one of secrets in a string by ***, the longest
// first where they overlap. The zero list redacts nothing.
type Redactor struct{ r *strings.Replacer }

// NewRedactor builds a Redactor for the given forms (see Forms).
func NewRedactor(forms []string) Redactor {
	if len(forms) == 0 {
		return Redactor{}
	}
	sorted := append([]string(nil), forms...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	args := make([]string, 0, 2*len(sorted))
	for _, s := range sorted {
		args = append(args, s, Redacted)
	}
	return Redactor{strings.NewReplacer(args...)}
}

// Redact returns s with every secret replaced.
func (r Redactor) Redact(s string) string {
	if r.r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}

// Escape writes control characters (C0, DEL, C1, and the Unicode format
// characters that reorder or hide text) as Go escapes, so that no string
// can move a terminal's cursor, recolour it, or hide what follows.
// Invalid UTF-8 bytes are escaped too. Tabs and newlines are kept for
// the callers that lay out lines; they stay harmless in a terminal.
func Escape(s string) string {
	if printable(s) {
		return s // the hot path
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // check runes the slow way
		}
		if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			return false
		}
	}
	return true
}

// Clip cuts s to at most max bytes (at a rune boundary) and says so:
// "… cut N bytes" ends a clipped string.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… cut %d bytes", len(s)-cut)
}
