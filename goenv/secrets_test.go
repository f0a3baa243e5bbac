package goenv

import (
	"reflect"
	"sort"
	"testing"
)

func TestSecrets(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://proxy.example,direct", nil},
		{"https://bob:s3cr%40t@proxy.example/x|https://tok123456@b.example", []string{"bob", "s3cr@t", "bob:s3cr%40t", "tok123456"}},
		{"http://proxy.example:3128/?access_token=abcdef&page=2", []string{"abcdef"}},
		{"command git-credential https://u:p4ssw0rd@git.example", []string{"u", "p4ssw0rd", "u:p4ssw0rd"}},
		{"off", nil},
	}
	for _, tt := range tests {
		got := Secrets(tt.in)
		sort.Strings(got)
		sort.Strings(tt.want)
		if len(got) == 0 && len(tt.want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Secrets(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecretsShapes(t *testing.T) {
	tests := []struct {
		in   string
		want []string // must all be among Secrets(in)
	}{
		{"https://user:pa,ss@h.example", []string{"user", "pa,ss"}},
		{"https://user:pa|ss@h.example", []string{"user", "pa|ss"}},
		{"https://user:p'ass@h.example", []string{"user", "p'ass"}},
		{`https://user:p"ass@h.example`, []string{"user", `p"ass`}},
		{"alice:s3,cr3t@127.0.0.1:18081", []string{"alice", "s3,cr3t"}},
		{"tok123456@proxy.example:3128", []string{"tok123456"}},
	}
	for _, tt := range tests {
		got := map[string]bool{}
		for _, s := range Secrets(tt.in) {
			got[s] = true
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("Secrets(%q) = %q, missing %q", tt.in, Secrets(tt.in), w)
			}
		}
	}
}
