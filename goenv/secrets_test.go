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
