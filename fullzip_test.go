package main

import (
	"math/rand"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/gopreflight/gopreflight/internal/goproxytest"
	"github.com/gopreflight/gopreflight/report"
)

// TestFullDepthSpoolsZips: --depth full hashes a zip far larger than any
// in-memory body cap from a file (a right go.sum line verifies, a wrong one
// is a mismatch), allocates much less than the zip's size, and leaves no
// temporary file behind.
func TestFullDepthSpoolsZips(t *testing.T) {
	const size = 32 << 20
	rng := rand.New(rand.NewSource(1))
	data := make([]byte, size)
	rng.Read(data) // incompressible: the zip is as large as the file
	p := goproxytest.New(t, goproxytest.Module{Path: "example.test/big", Version: "v1.0.0", Files: map[string]string{"blob.go": "package big\n", "blob.bin": string(data)}})
	data = nil
	zipLine, modLine := p.GoSum("example.test/big", "v1.0.0")
	goMod := "module example.test/app\n\ngo 1.21\n\nrequire example.test/big v1.0.0\n"
	wrong := strings.Replace(zipLine, " h1:", " h1:AAAA", 1)[:len(zipLine)]

	for _, tc := range []struct {
		name, goSum string
		status      report.Status
	}{
		{"right go.sum", zipLine + "\n" + modLine + "\n", report.StatusOK},
		{"wrong zip line", wrong + "\n" + modLine + "\n", report.StatusChecksumMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			dir := writeModule(t, map[string]string{"go.mod": goMod, "go.sum": tc.goSum})
			env := map[string]string{"GOPROXY": p.URL(), "GOSUMDB": "off", "GOFLAGS": "-mod=readonly"}

			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			tr := runTool(t, env, "--depth", "full", "--retries", "0", dir)
			runtime.ReadMemStats(&after)

			if m := tr.module(t, "example.test/big", "v1.0.0"); m.Status != tc.status {
				t.Errorf("module: %s/%s (%s), want %s", m.Status, m.Cause, m.Detail, tc.status)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/2 {
				t.Errorf("the run allocated %d MiB for a %d MiB zip: the zip is held in memory", alloc>>20, size>>20)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("temporary files left in TMPDIR: %v", left)
			}
		})
	}
}
