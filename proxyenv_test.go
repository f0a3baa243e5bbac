package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProxyCredentialsRedacted: a proxy variable's credentials, with or
// without a scheme and whatever characters the password holds, are masked
// in the Actions log and absent from the report.
func TestProxyCredentialsRedacted(t *testing.T) {
	tests := []struct {
		name, value, password, want string
	}{
		{"schemeless", "alice:s3cr3t@127.0.0.1:18081", "s3cr3t", "***@127.0.0.1:18081"},
		{"schemeless comma", "alice:s3,cr3t@127.0.0.1:18081", "s3,cr3t", "***@127.0.0.1:18081"},
		{"scheme pipe", "http://alice:s3|cr3t@127.0.0.1:18081", "s3|cr3t", "http://***@127.0.0.1:18081"},
		{"scheme quote", "http://alice:s3'cr3t@127.0.0.1:18081", "s3'cr3t", "http://***@127.0.0.1:18081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStep(t)
			os.WriteFile(filepath.Join(s.workspace, "go.mod"), []byte("module example.test/app\n\ngo 1.21\n"), 0o644)
			s.env["HTTPS_PROXY"] = tt.value
			s.run(t, "--format", "json", s.workspace)
			if s.code != 0 {
				t.Fatalf("exit %d: %s", s.code, s.stderr)
			}
			if !strings.Contains(s.stderr, "::add-mask::"+tt.password+"\n") {
				t.Errorf("no mask for %q:\n%s", tt.password, s.stderr)
			}
			if strings.Contains(s.stdout, tt.password) {
				t.Errorf("password in the report:\n%s", s.stdout)
			}
			if !strings.Contains(s.stdout, `"https_proxy": "`+tt.want+`"`) {
				t.Errorf("report env.https_proxy is not %q:\n%s", tt.want, s.stdout)
			}
		})
	}
}
