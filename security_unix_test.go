//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNonRegularInputsRefused: a go.mod, go.sum or vendor/modules.txt
// that is a named pipe or a device (/dev/zero) is unusable input (exit
// 2, naming the file), at once: never a hang, never a growing read.
func TestNonRegularInputsRefused(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero here")
	}
	const gomod = "module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n"
	for _, tt := range []struct {
		name, file string
		fifo       bool
	}{
		{"go.mod is /dev/zero", "go.mod", false},
		{"go.mod is a FIFO", "go.mod", true},
		{"go.sum is /dev/zero", "go.sum", false},
		{"go.sum is a FIFO", "go.sum", true},
		{"modules.txt is a FIFO", "vendor/modules.txt", true},
		{"modules.txt is /dev/zero", "vendor/modules.txt", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeModule(t, map[string]string{"go.mod": gomod, "vendor/.keep": ""})
			p := filepath.Join(dir, tt.file)
			os.Remove(p)
			var err error
			if tt.fifo {
				err = syscall.Mkfifo(p, 0o644)
			} else {
				err = os.Symlink("/dev/zero", p)
			}
			if err != nil {
				t.Skip(err)
			}
			done := make(chan toolRun, 1)
			go func() { done <- runTool(t, map[string]string{"GOPROXY": "off"}, "--timeout", "5s", dir) }()
			select {
			case tr := <-done:
				if tr.code != exitInput || !strings.Contains(tr.stderr, tt.file) || !strings.Contains(tr.stderr, "not a regular file") {
					t.Errorf("exit %d, stderr %q; want 2 naming %s as not a regular file", tr.code, tr.stderr, tt.file)
				}
			case <-time.After(10 * time.Second):
				// Unblock a reader stuck on the FIFO so the test can end.
				if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
				t.Fatalf("still reading %s after 10s", tt.file)
			}
		})
	}
}
