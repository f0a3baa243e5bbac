package goenv

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/note"
)

// SumDB is a parsed GOSUMDB value.
type SumDB struct {
	Off bool
	// Name is the database's name, Key its verifier key ("name+hash+key").
	Name, Key string
	// URL is the explicit URL from GOSUMDB, or "" to reach the database
	// through GOPROXY entries that proxy it, then directly at https://Name.
	URL string
}

// knownKeys are the verifier keys built into the go command.
var knownKeys = map[string]string{DefaultGOSUMDB: defaultSumKey}

// ParseSumDB parses GOSUMDB in every form the go command accepts: "off",
// "name" (built-in key), "name+key", "name+key url", and "name url".
func ParseSumDB(gosumdb string) (SumDB, error) {
	if gosumdb == sumdbAlias {
		gosumdb = DefaultGOSUMDB + " https://" + sumdbAlias
	}
	if gosumdb == Off {
		return SumDB{Off: true}, nil
	}
	f := strings.Fields(gosumdb)
	if len(f) == 0 {
		return SumDB{}, errors.New("missing GOSUMDB")
	}
	if len(f) > 2 {
		return SumDB{}, errors.New("invalid GOSUMDB: too many fields")
	}
	key := f[0]
	if k := knownKeys[key]; k != "" {
		key = k
	}
	v, err := note.NewVerifier(key)
	if err != nil {
		return SumDB{}, fmt.Errorf("invalid GOSUMDB: %w", err)
	}
	db := SumDB{Name: v.Name(), Key: key}
	if len(f) == 2 {
		u, err := url.Parse(f[1])
		if err != nil {
			return SumDB{}, fmt.Errorf("invalid GOSUMDB URL: %w", errors.Unwrap(err))
		}
		if u.Scheme == "" || u.Host == "" {
			return SumDB{}, fmt.Errorf("invalid GOSUMDB URL %q: missing scheme or host", Redact(f[1]))
		}
		db.URL = strings.TrimSuffix(f[1], "/")
	}
	return db, nil
}

// DirectURL is where the database is reached when no proxy serves it.
func (db SumDB) DirectURL() string {
	if db.URL != "" {
		return db.URL
	}
	return "https://" + db.Name
}

// NeedsSum reports whether go.sum lines of path are checked against the
// database, as the go command decides (GOSUMDB not off, GONOSUMDB and
// GOPRIVATE not matching).
func (e *Env) NeedsSum(path string) bool {
	return e.GOSUMDB != Off && !module.MatchPrefixPatterns(e.GONOSUMDB, path)
}

// UsesProxy reports whether path is fetched through GOPROXY rather than
// directly (GONOPROXY, defaulting to GOPRIVATE).
func (e *Env) UsesProxy(path string) bool {
	return !module.MatchPrefixPatterns(e.GONOPROXY, path)
}

// Insecure reports whether GOINSECURE covers path.
func (e *Env) Insecure(path string) bool {
	return module.MatchPrefixPatterns(e.GOINSECURE, path)
}
