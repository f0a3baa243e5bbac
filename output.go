package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gopreflight/gopreflight/report"
)

// writeJSON writes the JSON report to path (--output) without following
// a symbolic link there: the report goes to a temporary file in the same
// directory, which then replaces path by rename, so a link planted at
// path (by a checkout, or another user in a shared directory) cannot
// make the run overwrite a file elsewhere. A path that is a symbolic
// link, or exists and is not a regular file, is refused.
func writeJSON(path string, rep *report.Report) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("writing report %s: a symbolic link; refused (the report never replaces a file elsewhere)", path)
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("writing report %s: not a regular file; refused", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("writing report: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	tmp := f.Name()
	werr := report.JSON(f, rep)
	if werr == nil {
		werr = f.Chmod(0o644) // as os.Create would (before the umask)
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing report %s: %w", path, werr)
	}
	return nil
}

// renderer is the renderer --format names; the github format takes the
// workspace (annotation paths) and --annotations.
func (o *options) renderer(getenv func(string) string) report.Renderer {
	if o.format == "github" {
		return func(w io.Writer, r *report.Report) error {
			return report.GitHubWith(w, r, report.GitHubOptions{Workspace: getenv("GITHUB_WORKSPACE"), NoAnnotations: !o.annotations})
		}
	}
	render, _ := report.Lookup(o.format) // parseFlags checked the name
	return render
}
