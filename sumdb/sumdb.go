// Package sumdb looks module versions up in a Go checksum database, reached
// as the go command reaches it (GOSUMDB's URL, else the first GOPROXY entry
// that proxies the database, else directly), with every request going
// through the run's traced probe.Client.
//
// It wraps golang.org/x/mod/sumdb.Client, so every answer is authenticated
// as the go command authenticates it: the signed tree head is verified with
// the database's key and each record is proved to be in that tree. Tiles and
// the latest tree head are kept in memory for the run only: a run never
// trusts, nor writes, the go command's own caches.
package sumdb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	modsumdb "golang.org/x/mod/sumdb"

	"github.com/gopreflight/gopreflight/cause"
	"github.com/gopreflight/gopreflight/goenv"
	"github.com/gopreflight/gopreflight/probe"
)

// A DB is one checksum database for one run. Its methods are safe for
// concurrent use.
type DB struct {
	ctx     context.Context
	cfg     goenv.SumDB
	client  *probe.Client
	proxies []goenv.ProxyEntry

	locate   sync.Once
	loc      Location
	ops      *ops
	verified *modsumdb.Client
}

// Location says where the database is reached, or why it cannot be.
type Location struct {
	// Base is the URL lookups and tiles are read under; "" when the
	// database is unavailable.
	Base string
	// Via is the GOPROXY entry that proxies the database, "" when it is
	// reached directly.
	Via string
	// Fail says why the database is unavailable.
	Fail *Failure
}

// A Failure is why the database gave no usable answer.
type Failure struct {
	Cause  cause.Code
	Detail string
	URL    string // redacted
	// Security: the database answered, but the answer does not verify
	// (a signature by another key, a record not in the signed tree, a
	// tree inconsistent with an earlier one). Never to be taken as ok.
	Security bool
}

func (f *Failure) Error() string {
	if f.URL != "" {
		return f.URL + ": " + string(f.Cause) + ": " + f.Detail
	}
	return string(f.Cause) + ": " + f.Detail
}

// New returns the database GOSUMDB names (db must not be Off). ctx bounds
// every request the DB makes, since the x/mod client's callbacks carry
// none: pass the run's context.
func New(ctx context.Context, db goenv.SumDB, client *probe.Client, proxies []goenv.ProxyEntry) *DB {
	d := &DB{ctx: ctx, cfg: db, client: client, proxies: proxies}
	d.ops = &ops{db: d, cache: map[string][]byte{}, failed: map[string]probe.Result{}}
	d.verified = modsumdb.NewClient(d.ops)
	return d
}

// Name is the database's name.
func (d *DB) Name() string { return d.cfg.Name }

// Locate finds where the database is reached, once, as the go command's
// checksum database client does: an explicit URL in GOSUMDB is used as is
// and never through a proxy; otherwise each GOPROXY entry is asked for
// <proxy>/sumdb/<name>/supported, a 200 choosing it, a 404 or 410 (or any
// error after '|') moving on, any other answer after ',' leaving the
// database unavailable; "direct", "off", or the end of a list of
// declining proxies mean https://<name> directly.
func (d *DB) Locate() Location {
	d.locate.Do(func() { d.loc = d.find() })
	return d.loc
}

func (d *DB) find() Location {
	if d.cfg.URL != "" {
		d.client.Endpoints.Register(d.cfg.URL, probe.RoleSumDB)
		return Location{Base: d.cfg.URL}
	}
	// The go command reports the most helpful error: a proxy's real
	// error outranks a 404; "direct" ends the walk going direct.
	var loc Location
	var best *Failure
	for _, e := range d.proxies {
		if e.URL == goenv.Direct || e.URL == goenv.Off {
			best = nil
			break
		}
		f := d.supported(e.URL)
		if f == nil {
			loc.Base, _ = goenv.ProxyURL(e.URL, "sumdb/"+d.cfg.Name) // supported's URL was built the same way
			loc.Via = goenv.Redact(e.URL)
			return loc
		}
		notFound := f.Cause == cause.NotFound
		if !notFound {
			best = f
		}
		if !e.FallBackOnError && !notFound {
			break
		}
	}
	if best != nil {
		loc.Fail = best
		return loc
	}
	loc.Base = d.cfg.DirectURL()
	d.client.Endpoints.Register(loc.Base, probe.RoleSumDB)
	return loc
}

// supported asks one proxy whether it proxies the database; nil means yes.
func (d *DB) supported(proxy string) *Failure {
	if goenv.IsFile(proxy) {
		// A file:// proxy with a sumdb directory is rare; treat it as
		// declining, as a missing file would.
		return &Failure{Cause: cause.NotFound, Detail: "file:// proxy", URL: goenv.Redact(proxy)}
	}
	if goenv.NoHost(proxy) {
		return &Failure{Cause: cause.TCPUnreachable, Detail: "GOPROXY entry names no host (\"http: no Host in request URL\")", URL: goenv.Redact(proxy)}
	}
	u, err := goenv.ProxyURL(proxy, "sumdb/"+d.cfg.Name+"/supported")
	if err != nil {
		return &Failure{Cause: cause.BadResponse, Detail: err.Error(), URL: goenv.Redact(proxy)}
	}
	res := d.client.Do(d.ctx, probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantSumDB, Role: probe.RoleProxy, MaxBody: probe.MaxSumDBBody, Memo: true})
	if res.OK() && res.StatusCode == http.StatusOK {
		return nil
	}
	f := failure(res)
	if res.OK() {
		// 2xx but not 200: the go command's web.GetBytes wants 200.
		f.Cause, f.Detail = cause.BadResponse, fmt.Sprintf("status %d, want 200", res.StatusCode)
	}
	return f
}

// Answer is what the database says of one module version.
type Answer struct {
	// Zip and Mod are the database's h1: hashes of the module's zip and
	// go.mod; "" when not asked or not known.
	Zip, Mod string
	// Unknown: the database does not know the version (404 or 410).
	Unknown bool
	// Fail is set when the database gave no usable answer.
	Fail *Failure
}

// Lookup asks the database for m's go.sum lines: the zip's when zip is
// true, and always the go.mod's.
func (d *DB) Lookup(m module.Version, zip bool) Answer {
	loc := d.Locate()
	if loc.Fail != nil {
		return Answer{Fail: loc.Fail}
	}
	var a Answer
	vers := []string{m.Version + "/go.mod"}
	if zip {
		vers = append(vers, m.Version)
	}
	for _, v := range vers {
		lines, err := d.verified.Lookup(m.Path, v)
		if err != nil {
			return d.classify(m, err)
		}
		h := hashOf(lines, m.Path, v)
		if h == "" {
			// The record exists but lacks the line: the go command
			// treats that as the database not knowing it.
			return Answer{Unknown: true}
		}
		if strings.HasSuffix(v, "/go.mod") {
			a.Mod = h
		} else {
			a.Zip = h
		}
	}
	return a
}

func hashOf(lines []string, path, vers string) string {
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == path && f[1] == vers && strings.HasPrefix(f[2], "h1:") {
			return f[2]
		}
	}
	return ""
}

// classify turns a failed lookup into an answer. x/mod's client reduces
// errors to text, so the transport failures are read back from what ops
// recorded: the lookup's own request first, then any tile request. An
// error with no failed request behind it means the bytes arrived but did
// not verify: a security error.
func (d *DB) classify(m module.Version, err error) Answer {
	if res, ok := d.ops.failure(lookupPath(m)); ok {
		if res.Cause == cause.NotFound {
			return Answer{Unknown: true}
		}
		return Answer{Fail: failure(res)}
	}
	if res, ok := d.ops.tileFailure(); ok {
		return Answer{Fail: failure(res)}
	}
	detail := err.Error()
	if i := strings.Index(detail, "\n"); i >= 0 {
		detail = detail[:i] // x/mod appends the whole note
	}
	if d.ops.isSecurity() || errors.Is(err, modsumdb.ErrSecurity) {
		detail = "the database's tree is inconsistent with a tree it signed earlier: " + detail
	}
	return Answer{Fail: &Failure{
		Cause: cause.ChecksumMismatch, Security: true,
		Detail: "answer does not verify with the key " + keyName(d.cfg.Key) + ": " + goenv.Redact(detail),
		URL:    goenv.Redact(d.loc.Base),
	}}
}

// keyName is the key's "name+hash" part: enough to tell keys apart.
func keyName(vkey string) string {
	f := strings.SplitN(vkey, "+", 3)
	if len(f) < 2 {
		return vkey
	}
	return f[0] + "+" + f[1]
}

func lookupPath(m module.Version) string {
	ep, err1 := module.EscapePath(m.Path)
	ev, err2 := module.EscapeVersion(m.Version)
	if err1 != nil || err2 != nil {
		return ""
	}
	return "/lookup/" + ep + "@" + ev
}

func failure(res probe.Result) *Failure {
	d := res.Detail
	if d == "" && res.StatusCode != 0 {
		d = fmt.Sprintf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return &Failure{Cause: res.Cause, Detail: d, URL: res.URL}
}

// ops is the x/mod client's view of the world: remote reads through the
// probe client, configuration and cache in memory.
type ops struct {
	db *DB

	mu       sync.Mutex
	cache    map[string][]byte
	latest   []byte
	failed   map[string]probe.Result // by remote path
	tileFail *probe.Result
	security bool
}

func (o *ops) ReadRemote(path string) ([]byte, error) {
	// Joined as cmd/go's web.Join does: before the base's query string.
	u, err := goenv.ProxyURL(o.db.loc.Base, path)
	if err != nil {
		return nil, err
	}
	res := o.db.client.Do(o.db.ctx, probe.Request{Method: http.MethodGet, URL: u, Want: cause.WantSumDB, Role: probe.RoleSumDB, MaxBody: probe.MaxSumDBBody})
	if res.OK() && res.StatusCode == http.StatusOK {
		return res.Body, nil
	}
	if res.OK() {
		res.Cause, res.Detail = cause.BadResponse, fmt.Sprintf("status %d, want 200", res.StatusCode)
	}
	o.mu.Lock()
	o.failed[path] = res
	if strings.HasPrefix(path, "/tile/") && o.tileFail == nil {
		o.tileFail = &res
	}
	o.mu.Unlock()
	return nil, failure(res)
}

func (o *ops) failure(path string) (probe.Result, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	res, ok := o.failed[path]
	return res, ok
}

func (o *ops) tileFailure() (probe.Result, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tileFail == nil {
		return probe.Result{}, false
	}
	return *o.tileFail, true
}

func (o *ops) isSecurity() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.security
}

func (o *ops) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.db.cfg.Key), nil
	}
	if file == o.db.cfg.Name+"/latest" {
		o.mu.Lock()
		defer o.mu.Unlock()
		return append([]byte(nil), o.latest...), nil // empty: start from the empty tree
	}
	return nil, fmt.Errorf("unknown config file %q", file)
}

func (o *ops) WriteConfig(file string, old, new []byte) error {
	if file != o.db.cfg.Name+"/latest" {
		return fmt.Errorf("cannot write config file %q", file)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if string(o.latest) != string(old) {
		return modsumdb.ErrWriteConflict
	}
	o.latest = append([]byte(nil), new...)
	return nil
}

func (o *ops) ReadCache(file string) ([]byte, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if data, ok := o.cache[file]; ok {
		return data, nil
	}
	return nil, errors.New("not cached")
}

func (o *ops) WriteCache(file string, data []byte) {
	o.mu.Lock()
	o.cache[file] = append([]byte(nil), data...)
	o.mu.Unlock()
}

func (o *ops) Log(string) {}

// SecurityError records the x/mod client's proof of misbehaviour; the
// lookup that found it then fails with ErrSecurity.
func (o *ops) SecurityError(string) {
	o.mu.Lock()
	o.security = true
	o.mu.Unlock()
}
