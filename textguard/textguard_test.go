package textguard

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestRedactForms(t *testing.T) {
	r := NewRedactor(Forms([]string{"tok/en+1"}, []Pair{{"alice", "pa ss:w@rd"}}))
	up := "alice:pa ss:w@rd"
	tests := []struct{ name, in string }{
		{"plain", "Basic realm=tok/en+1"},
		{"query-escaped", "realm=" + url.QueryEscape("tok/en+1")},
		{"path-escaped", "x/" + url.PathEscape("pa ss:w@rd")},
		{"base64", "Basic " + base64.StdEncoding.EncodeToString([]byte(up))},
		{"base64url", "Basic " + base64.RawURLEncoding.EncodeToString([]byte(up))},
		{"user:pass", "echo " + up},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Redact(tt.in)
			if !strings.Contains(got, Redacted) || strings.Contains(got, "pa ss") || strings.Contains(got, "tok/en") || strings.Contains(got, base64.StdEncoding.EncodeToString([]byte(up))[:8]) {
				t.Errorf("Redact(%q) = %q", tt.in, got)
			}
		})
	}
	if got := (Redactor{}).Redact("a b"); got != "a b" {
		t.Errorf("zero Redactor changed %q", got)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"bell\a", `bell\x07`},
		{"csi\u009b2J", `csi\u009b2J`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"tab\tnewline\n", "tab\tnewline\n"},
		{"héllo", "héllo"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{strings.Repeat("a", 20), 10, strings.Repeat("a", 10) + "… cut 10 bytes"},
		{"ééééé", 3, "é… cut 8 bytes"},
	}
	for _, tt := range tests {
		if got := Clip(tt.in, tt.max); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}
