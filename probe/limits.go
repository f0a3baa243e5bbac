package probe

// How much of an answer a request keeps (Request.MaxBody), one constant
// per kind of answer, so that every request for the same file has the
// same limit. A longer body is drained up to MaxDrain and judged
// truncated, as cmd/go judges a file past its own limits.
const (
	// DefaultMaxBody: .info, @latest, /supported and other small answers.
	DefaultMaxBody = 64 << 10
	// MaxListBody: @v/list, one line per version of a module.
	MaxListBody = 4 << 20
	// MaxModBody: a .mod, hashed whole (cmd/go's codehost.MaxGoMod).
	MaxModBody = 16 << 20
	// MaxZipBody: a module zip (cmd/go's codehost.MaxZipFile is 500 MiB).
	MaxZipBody = 512 << 20
	// MaxGitRefsBody: a repository's smart-HTTP info/refs advertisement.
	MaxGitRefsBody = 32 << 20
	// MaxGoImportBody: an HTML page carrying go-import meta tags.
	MaxGoImportBody = 1 << 20
	// MaxSumDBBody: a checksum database lookup record or tile.
	MaxSumDBBody = 1 << 20
	// MaxDrain bounds what is read past MaxBody to reuse the connection.
	MaxDrain = 64 << 20
)
