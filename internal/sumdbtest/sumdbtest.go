// Package sumdbtest runs a real Go checksum database on 127.0.0.1 for
// hermetic tests.
//
// The database is built on golang.org/x/mod/sumdb: an in-memory transparent
// log (golang.org/x/mod/sumdb/tlog) holds one record per module version, and
// sumdb.NewServer serves /lookup/, /latest and /tile/ from it, with tree heads
// signed by a key generated for the test. The go command accepts it with
//
//	GOSUMDB="<db.GOSUMDB()>"        // "name+vkey http://127.0.0.1:port"
//
// or, reached through a module proxy that mounts Handler under
// /sumdb/<name>/ (see goproxytest.Server.ProxySumDB), with
//
//	GOSUMDB="<db.VerifierKey()>"    // "name+vkey", no URL
//
// The go command keeps the last verified tree head in
// $GOPATH/pkg/sumdb/<name>/latest and refuses a database whose new tree is not
// consistent with it, so every test needs its own GOPATH (each DB has a fresh
// key anyway, and names should not be reused across DBs in one GOPATH).
package sumdbtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/gopreflight/gopreflight/internal/reqlog"
)

// A DB is a checksum database served over plain HTTP on 127.0.0.1.
type DB struct {
	t       testing.TB
	name    string
	vkey    string
	signer  note.Signer
	wrong   note.Signer // same name, different key
	srv     *httptest.Server
	handler http.Handler

	mu       sync.Mutex
	records  [][]byte
	hashes   []tlog.Hash      // stored hashes, indexed by tlog storage index
	ids      map[string]int64 // "path@version" -> record id
	wrongKey bool

	reqlog.Log // requests and Handle overrides; paths as the database sees them
}

// New starts a checksum database named name (a host name such as
// "sum.example.test") and stops it at test cleanup.
func New(t testing.TB, name string) *DB {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatalf("sumdbtest: generating key: %v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		t.Fatalf("sumdbtest: %v", err)
	}
	wskey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatalf("sumdbtest: generating key: %v", err)
	}
	wrong, err := note.NewSigner(wskey)
	if err != nil {
		t.Fatalf("sumdbtest: %v", err)
	}
	db := &DB{
		t:      t,
		name:   name,
		vkey:   vkey,
		signer: signer,
		wrong:  wrong,
		ids:    make(map[string]int64),
	}
	db.handler = db.newHandler()
	db.srv = httptest.NewServer(db.handler)
	t.Cleanup(func() {
		db.srv.CloseClientConnections()
		db.srv.Close()
	})
	return db
}

// Name returns the database name, as in GOSUMDB.
func (db *DB) Name() string { return db.name }

// VerifierKey returns the verifier key "name+hash+key" for GOSUMDB.
func (db *DB) VerifierKey() string { return db.vkey }

// URL returns the base URL of the database's own HTTP server.
func (db *DB) URL() string { return db.srv.URL }

// GOSUMDB returns the "name+vkey URL" value that makes the go command use this
// database directly, bypassing any proxy.
func (db *DB) GOSUMDB() string { return db.vkey + " " + db.srv.URL }

// Handler returns the database's HTTP handler, for mounting under a proxy's
// /sumdb/<name>/ prefix (with that prefix stripped). It does not answer
// /supported: the proxy does.
func (db *DB) Handler() http.Handler { return db.handler }

// SignWithWrongKey makes /latest serve tree heads signed by a different key
// with the same name (on), or by the right key again (off). The go command
// must reject such a tree head.
func (db *DB) SignWithWrongKey(on bool) {
	db.mu.Lock()
	db.wrongKey = on
	db.mu.Unlock()
}

// Add records the hashes of path@version as a new log record:
//
//	path version <zipHash>
//	path version/go.mod <modHash>
//
// Hashes are in go.sum form ("h1:..."). Either may be empty to omit its line.
// A version already recorded fails the test: the log is append-only. Add uses
// t.Errorf, so it may be called from any goroutine.
func (db *DB) Add(path, version, zipHash, modHash string) {
	if err := module.Check(path, version); err != nil {
		db.t.Errorf("sumdbtest: Add: %v", err)
		return
	}
	var b strings.Builder
	if zipHash != "" {
		fmt.Fprintf(&b, "%s %s %s\n", path, version, zipHash)
	}
	if modHash != "" {
		fmt.Fprintf(&b, "%s %s/go.mod %s\n", path, version, modHash)
	}
	if err := db.add(path+"@"+version, []byte(b.String())); err != nil {
		db.t.Errorf("sumdbtest: Add %s@%s: %v", path, version, err)
	}
}

// AddModule records a module from its two go.sum lines, as returned by
// goproxytest.Server.GoSum: "path version h1:..." and
// "path version/go.mod h1:...".
func (db *DB) AddModule(zipLine, modLine string) {
	zf := strings.Fields(zipLine)
	mf := strings.Fields(modLine)
	if len(zf) != 3 || len(mf) != 3 || zf[0] != mf[0] || zf[1]+"/go.mod" != mf[1] {
		db.t.Errorf("sumdbtest: AddModule: malformed go.sum lines %q, %q", zipLine, modLine)
		return
	}
	db.Add(zf[0], zf[1], zf[2], mf[2])
}

func (db *DB) add(key string, data []byte) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if _, ok := db.ids[key]; ok {
		return fmt.Errorf("already recorded")
	}
	id := int64(len(db.records))
	hs, err := tlog.StoredHashes(id, data, db.hashReader())
	if err != nil {
		return fmt.Errorf("hashing record: %w", err)
	}
	db.records = append(db.records, data)
	db.hashes = append(db.hashes, hs...)
	db.ids[key] = id
	return nil
}

// hashReader reads stored hashes; db.mu must be held while it is used.
func (db *DB) hashReader() tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x < 0 || x >= int64(len(db.hashes)) {
				return nil, notExist(fmt.Sprintf("hash %d", x))
			}
			out[i] = db.hashes[x]
		}
		return out, nil
	})
}

// notExist returns an error that os.IsNotExist recognises, which
// sumdb.Server turns into a 404.
func notExist(what string) error {
	return &fs.PathError{Op: "not found:", Path: what, Err: fs.ErrNotExist}
}

func (db *DB) newHandler() http.Handler {
	srv := sumdb.NewServer(ops{db})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := db.Record(r); h != nil {
			h.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		srv.ServeHTTP(w, r)
	})
}

// ops implements sumdb.ServerOps over the in-memory log.
type ops struct{ db *DB }

func (o ops) Signed(ctx context.Context) ([]byte, error) {
	db := o.db
	db.mu.Lock()
	defer db.mu.Unlock()
	n := int64(len(db.records))
	h, err := tlog.TreeHash(n, db.hashReader())
	if err != nil {
		return nil, fmt.Errorf("tree hash: %w", err)
	}
	signer := db.signer
	if db.wrongKey {
		signer = db.wrong
	}
	text := tlog.FormatTree(tlog.Tree{N: n, Hash: h})
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	if err != nil {
		return nil, fmt.Errorf("signing tree: %w", err)
	}
	return msg, nil
}

func (o ops) ReadRecords(ctx context.Context, id, n int64) ([][]byte, error) {
	db := o.db
	db.mu.Lock()
	defer db.mu.Unlock()
	if id < 0 || n < 0 || id+n > int64(len(db.records)) {
		return nil, notExist(fmt.Sprintf("records %d+%d", id, n))
	}
	return append([][]byte(nil), db.records[id:id+n]...), nil
}

func (o ops) Lookup(ctx context.Context, m module.Version) (int64, error) {
	db := o.db
	db.mu.Lock()
	defer db.mu.Unlock()
	id, ok := db.ids[m.Path+"@"+m.Version]
	if !ok {
		return 0, notExist(m.Path + "@" + m.Version)
	}
	return id, nil
}

func (o ops) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	db := o.db
	db.mu.Lock()
	defer db.mu.Unlock()
	data, err := tlog.ReadTileData(t, db.hashReader())
	if err != nil {
		return nil, err // keeps the not-exist error for a 404
	}
	return data, nil
}
