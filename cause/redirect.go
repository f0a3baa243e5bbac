package cause

import "fmt"

// RedirectError is a redirect the client refused to follow: from https to
// plain http (the go command refuses it with the same words, and sends
// nothing), or to a scheme HTTP cannot fetch (file:, ftp:, data:, ...).
// Nothing is sent to the target, so it is a bad answer from the server
// that redirected, not a network cause of the target.
type RedirectError struct {
	From, To string // the last hop and the refused target, as URLs
	// Scheme is the target's scheme when it is neither http nor https.
	Scheme string
}

func (e *RedirectError) Error() string {
	if e.Scheme != "" {
		return fmt.Sprintf("refused redirect from %s to the %s: scheme (%s), which the go command does not fetch", e.From, e.Scheme, e.To)
	}
	return fmt.Sprintf("redirected from secure URL %s to insecure URL %s (refused, as the go command does)", e.From, e.To)
}
