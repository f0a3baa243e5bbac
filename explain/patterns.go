package explain

import (
	"regexp"
	"strings"

	"github.com/gopreflight/gopreflight/cause"
)

// Phase names the step of a fetch that failed.
type Phase string

// The phases a log line can name.
const (
	PhaseDNS          Phase = "dns"           // resolving the host
	PhaseConnect      Phase = "connect"       // the TCP connection
	PhaseTLS          Phase = "tls"           // the TLS handshake
	PhaseForwardProxy Phase = "forward_proxy" // HTTP(S)_PROXY
	PhaseHTTP         Phase = "http"          // the server's answer
	PhaseChecksum     Phase = "checksum"      // go.sum or the checksum database disagree with the bytes
	PhaseGoSum        Phase = "go.sum"        // go.sum lacks a line
	PhaseLookup       Phase = "lookup"        // the configuration forbids the download (GOPROXY=off, GOTOOLCHAIN=local)
	PhaseVendor       Phase = "vendor"        // vendor/ lacks the module
	PhaseVCS          Phase = "vcs"           // discovery or git on the direct route
	PhaseToolchain    Phase = "toolchain"     // the toolchain download
)

// pattern is one way the go command (or git under it) words a failure.
// This table is the one place in gopreflight where error text is matched:
// a log is all there is. Order matters: the first match wins, so the more
// specific wording comes first (a proxyconnect line also says "connection
// refused").
type pattern struct {
	name  string
	re    *regexp.Regexp
	cause cause.Code
	phase Phase
	// weak: the line says that something failed, and a continuation line
	// (git's "fatal: ..." under "git ls-remote ... exit status 128") may
	// name the cause better.
	weak bool
	// example is a line the go command printed (go1.21–go1.26 wording),
	// for the table's own test.
	example string
}

// patterns is the table. Most examples are lines the go command printed
// in the worlds of the root package's explain tests (which also check that
// every such log gets the cause a normal check gives); the rest (a client
// timeout, curl's words
// under git) keep the exact format of the code that prints them.
// testdata/corpus.txt holds more, per go version.
var patterns = []pattern{
	// The forward proxy, before the network errors its lines embed.
	{name: "proxyconnect", re: regexp.MustCompile(`proxyconnect tcp: `), cause: cause.ProxyUnreachable, phase: PhaseForwardProxy,
		example: `go: example.test/good@v1.0.0: Get "https://proxy.example/example.test/good/@v/v1.0.0.mod": proxyconnect tcp: dial tcp 127.0.0.1:40531: connect: connection refused`},
	{name: "proxy 407", re: regexp.MustCompile(`Proxy Authentication Required|CONNECT tunnel failed, response 407|Received HTTP code 407 from proxy`), cause: cause.ProxyAuthRequired, phase: PhaseForwardProxy,
		example: `go: example.test/good@v1.0.0: Get "https://proxy.example/example.test/good/@v/v1.0.0.mod": Proxy Authentication Required`},

	// DNS (Go's resolver, then curl under git).
	{name: "dns timeout", re: regexp.MustCompile(`lookup \S+(?: on \S+)?: (?:read udp \S+: )?i/o timeout`), cause: cause.DNSTimeout, phase: PhaseDNS,
		example: `go: example.test/good@v1.0.0: Get "http://silent.test:45549/example.test/good/@v/v1.0.0.mod": dial tcp: lookup silent.test on 10.200.233.165:53: read udp 10.200.233.166:51856->10.200.233.165:53: i/o timeout`},
	{name: "dns nxdomain", re: regexp.MustCompile(`lookup \S+(?: on \S+)?: no such host|Could not resolve host: `), cause: cause.DNSNXDomain, phase: PhaseDNS,
		example: `go: example.test/good@v1.0.0: Get "http://missing.test:45549/example.test/good/@v/v1.0.0.mod": dial tcp: lookup missing.test on 10.200.233.165:53: no such host`},
	{name: "dns failure", re: regexp.MustCompile(`lookup \S+(?: on \S+)?: (?:server misbehaving|.*connection refused|.*no answer from DNS server)|Temporary failure in name resolution`), cause: cause.DNSFailure, phase: PhaseDNS,
		example: `go: example.test/good@v1.0.0: Get "http://servfail.test:45549/example.test/good/@v/v1.0.0.mod": dial tcp: lookup servfail.test on 10.200.233.165:53: server misbehaving`},

	// TCP.
	{name: "tcp refused", re: regexp.MustCompile(`connect: connection refused|Failed to connect to .*(?:Connection refused|Couldn't connect to server)`), cause: cause.TCPRefused, phase: PhaseConnect,
		example: `go: example.test/good@v1.0.0: Get "http://127.0.0.1:42877/example.test/good/@v/v1.0.0.mod": dial tcp 127.0.0.1:42877: connect: connection refused`},
	{name: "tcp timeout", re: regexp.MustCompile(`dial tcp [^:\s]*:?\S*: (?:i/o timeout|connect: connection timed out)|Failed to connect to .*(?:Connection timed out|Timeout was reached)`), cause: cause.TCPTimeout, phase: PhaseConnect,
		example: `go: example.test/good@v1.0.0: Get "http://proxy.test:45549/example.test/good/@v/v1.0.0.mod": dial tcp 10.200.233.165:45549: connect: connection timed out`},
	{name: "tcp unreachable", re: regexp.MustCompile(`connect: (?:no route to host|network is unreachable)|(?:No route to host|Network is unreachable)`), cause: cause.TCPUnreachable, phase: PhaseConnect,
		example: `go: example.test/good@v1.0.0: Get "http://noroute.test:33347/example.test/good/@v/v1.0.0.mod": dial tcp 10.201.205.188:33347: connect: no route to host`},

	// TLS (crypto/x509 and crypto/tls, then curl's wording).
	{name: "tls unknown authority", re: regexp.MustCompile(`x509: certificate signed by unknown authority|SSL certificate problem: (?:unable to get local issuer certificate|self[- ]signed certificate)|server certificate verification failed`), cause: cause.TLSUnknownAuthority, phase: PhaseTLS,
		example: `main.go:3:8: example.test/good@v1.0.0: Get "https://127.0.0.1:35985/example.test/good/@v/v1.0.0.zip": tls: failed to verify certificate: x509: certificate signed by unknown authority`},
	{name: "tls hostname", re: regexp.MustCompile(`x509: certificate is (?:valid for .*, not |not valid for any names)|x509: cannot validate certificate for \S+ because it doesn't contain any IP SANs|SSL: no alternative certificate subject name matches|subject name .* does not match target host`), cause: cause.TLSHostnameMismatch, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:39605/example.test/good/@v/v1.0.0.info": tls: failed to verify certificate: x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs`},
	{name: "tls expired", re: regexp.MustCompile(`x509: certificate has expired or is not yet valid|SSL certificate problem: certificate has expired`), cause: cause.TLSExpired, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:41623/example.test/good/@v/v1.0.0.mod": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-12-03T00:50:39Z is after 2026-12-02T00:50:39Z`},
	{name: "tls timeout", re: regexp.MustCompile(`net/http: TLS handshake timeout`), cause: cause.TLSTimeout, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:36309/example.test/good/@v/v1.0.0.mod": net/http: TLS handshake timeout`},
	{name: "tls plaintext", re: regexp.MustCompile(`server gave HTTP response to HTTPS client|first record does not look like a TLS handshake|SSL routines::wrong version number`), cause: cause.TLSPlaintext, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:45101/example.test/good/@v/v1.0.0.mod": http: server gave HTTP response to HTTPS client`},
	{name: "tls failure", re: regexp.MustCompile(`remote error: tls: |tls: (?:protocol version not supported|handshake failure|no supported versions)`), cause: cause.TLSFailure, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:33947/example.test/good/@v/v1.0.0.mod": remote error: tls: protocol version not supported`},

	// Resets and stalls once connected.
	{name: "http2 stream error", re: regexp.MustCompile(`stream error: stream ID \d+; [A-Z_]+|http2: server sent GOAWAY`), cause: cause.ServerError, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:34735/example.test/good/@v/v1.0.0.mod": stream error: stream ID 1; INTERNAL_ERROR; received from peer`},
	// A reset (or EOF) before any answer to an https request: net/http
	// names no phase, but with nothing read yet it is the handshake, where
	// SNI filters cut connections.
	{name: "tls reset", re: regexp.MustCompile(`Get "https://[^"]*": (?:read tcp \S+: read: connection reset by peer|EOF)$`), cause: cause.TLSReset, phase: PhaseTLS,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:37515/example.test/good/@v/v1.0.0.mod": read tcp 127.0.0.1:55048->127.0.0.1:37515: read: connection reset by peer`},
	{name: "tcp reset", re: regexp.MustCompile(`connection reset by peer|Connection reset by peer|Recv failure: Connection reset`), cause: cause.TCPReset, phase: PhaseConnect,
		example: `go: example.test/good@v1.0.0: read "http://127.0.0.1:37491/example.test/good/@v/v1.0.0.mod": read tcp 127.0.0.1:37678->127.0.0.1:37491: read: connection reset by peer`},
	// A plain-HTTP server that closes the connection before any answer:
	// net/http says only EOF, the connection's end (over https the same
	// EOF is the handshake's, above).
	{name: "EOF before the answer", re: regexp.MustCompile(`Get "http://[^"]*": EOF$`), cause: cause.TCPReset, phase: PhaseConnect,
		example: `go: example.test/good@v1.0.0: Get "http://127.0.0.1:40001/example.test/good/@v/v1.0.0.mod": EOF`},
	{name: "timeout", re: regexp.MustCompile(`Client\.Timeout exceeded|context deadline exceeded|timeout awaiting response headers|Operation timed out after`), cause: cause.Timeout, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: Get "https://127.0.0.1:40001/example.test/good/@v/v1.0.0.info": net/http: request canceled (Client.Timeout exceeded while awaiting headers)`},

	// The answer's status, as web.HTTPError prints it ("reading URL: 404
	// Not Found") and as curl under git does.
	{name: "404/410", re: regexp.MustCompile(`: (?:404 Not Found|410 Gone)\b|returned error: (?:404|410)\b`), cause: cause.NotFound, phase: PhaseHTTP,
		example: `go: example.test/good@v1.9.9: reading http://127.0.0.1:35399/example.test/good/@v/v1.9.9.mod: 404 Not Found`},
	{name: "401", re: regexp.MustCompile(`: 401 Unauthorized\b|returned error: 401\b`), cause: cause.HTTPUnauthorized, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: reading http://127.0.0.1:35007/example.test/good/@v/v1.0.0.mod: 401 Unauthorized`},
	{name: "403", re: regexp.MustCompile(`: 403 Forbidden\b|returned error: 403\b`), cause: cause.HTTPForbidden, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: reading http://127.0.0.1:42997/example.test/good/@v/v1.0.0.mod: 403 Forbidden`},
	{name: "429", re: regexp.MustCompile(`: 429 Too Many Requests\b|returned error: 429\b`), cause: cause.RateLimited, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: reading http://127.0.0.1:40917/example.test/good/@v/v1.0.0.mod: 429 Too Many Requests`},
	{name: "5xx", re: regexp.MustCompile(`: 5\d\d [A-Z][A-Za-z ]*$|returned error: 5\d\d\b`), cause: cause.ServerError, phase: PhaseHTTP,
		example: `main.go:3:8: example.test/good@v1.0.0: reading http://127.0.0.1:45537/example.test/good/@v/v1.0.0.zip: 500 Internal Server Error`},
	{name: "truncated", re: regexp.MustCompile(`: unexpected EOF$|zip: not a valid zip file|invalid character .* looking for beginning of value`), cause: cause.BadResponse, phase: PhaseHTTP,
		example: `go: example.test/good@v1.0.0: read "http://127.0.0.1:44177/example.test/good/@v/v1.0.0.mod": unexpected EOF`},

	// Checksums and go.sum (modfetch/fetch.go, modload/import.go).
	{name: "checksum mismatch", re: regexp.MustCompile(`verifying \S+: checksum mismatch`), cause: cause.ChecksumMismatch, phase: PhaseChecksum,
		example: `verifying example.test/good@v1.0.0/go.mod: checksum mismatch`},
	{name: "missing go.sum entry", re: regexp.MustCompile(`missing go\.sum entry`), cause: cause.MissingSum, phase: PhaseGoSum,
		example: `main.go:3:8: missing go.sum entry for module providing package example.test/good (imported by example.test/app); to add:`},

	// Downloads the configuration forbids (modfetch/repo.go, toolchain).
	{name: "GOPROXY=off", re: regexp.MustCompile(`module lookup disabled by GOPROXY=off`), cause: cause.NotFound, phase: PhaseLookup,
		example: `main.go:3:8: module lookup disabled by GOPROXY=off`},
	{name: "vendor lookup", re: regexp.MustCompile(`(?:import|module) lookup disabled by -mod=vendor`), cause: cause.NotFound, phase: PhaseVendor,
		example: `main.go:3:8: cannot find module providing package example.test/good: import lookup disabled by -mod=vendor`},
	{name: "vendor inconsistent", re: regexp.MustCompile(`: is (?:explicitly required in go\.mod, but not marked as explicit|replaced in \S+, but not marked as replaced) in vendor/modules\.txt`), cause: cause.NotFound, phase: PhaseVendor,
		example: "\texample.test/good@v1.0.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt"},
	{name: "toolchain not available", re: regexp.MustCompile(`download go\S+ for \S+: toolchain not available`), cause: cause.NotFound, phase: PhaseToolchain,
		example: `go: download go1.99.1 for linux/amd64: toolchain not available`},
	{name: "toolchain local", re: regexp.MustCompile(`requires go >= \S+ \(running go \S+; GOTOOLCHAIN=local\)`), cause: cause.NotFound, phase: PhaseToolchain,
		example: `go: go.mod requires go >= 1.99.1 (running go 1.26.8; GOTOOLCHAIN=local)`},

	// The direct route (vcs, modfetch/codehost): git's own words first.
	{name: "git credentials", re: regexp.MustCompile(`terminal prompts disabled|could not read (?:Username|Password) for|Authentication failed for`), cause: cause.HTTPUnauthorized, phase: PhaseVCS,
		example: "\tfatal: could not read Username for 'https://127.0.0.1:40001': terminal prompts disabled"},
	{name: "git repository not found", re: regexp.MustCompile(`fatal: repository '\S+' not found|unknown revision \S+|no matching versions for query`), cause: cause.NotFound, phase: PhaseVCS,
		example: "go: example.test/repo.git@v1.5.0: invalid version: unknown revision v1.5.0"},
	{name: "no go-import tag", re: regexp.MustCompile(`no go-import meta tags|disallowed by GOVCS|no secure protocol found for repository`), cause: cause.VCSFailure, phase: PhaseVCS,
		example: `go: example.test/repo.git@v1.0.0: no secure protocol found for repository`},
	{name: "git failed", re: regexp.MustCompile(`git (?:ls-remote|fetch|init|remote)\b.*: exit status \d+|unrecognized import path "`), cause: cause.VCSFailure, phase: PhaseVCS, weak: true,
		example: `go: example.test/priv@v1.0.0: git ls-remote -q origin in /tmp/gopath/pkg/mod/cache/vcs/0123abcd: exit status 128:`},
}

// match returns the first pattern line matches.
func match(line string) *pattern {
	for i := range patterns {
		if patterns[i].re.MatchString(line) {
			return &patterns[i]
		}
	}
	return nil
}

// triggers are words of which every line in the table holds one. Most
// lines of a CI log (compiler and test output) hold none, and skipping them
// before the table's regular expressions keeps a 100 MB log fast.
var triggers = []string{
	"tcp", "lookup", "resolve host", "x509", "tls", "TLS", "SSL", "certificate", "HTTP", "http", "stream",
	"reset", "Reset", "imeout", "deadline", "timed out", "EOF", "Proxy", "unreachable", "route",
	" 40", " 41", " 42", " 5", "error: ", "zip", "invalid character", "checksum", "go.sum", "disabled",
	"vendor", "toolchain", "GOTOOLCHAIN", "prompts", "could not read", "Authentication", "not found",
	"revision", "no matching", "go-import", "GOVCS", "secure protocol", "exit status", "unrecognized", "connect",
}

// prefiltered is match for lines that can hold a failure at all.
func prefiltered(line string) *pattern {
	if !strings.Contains(line, ": ") {
		return nil
	}
	for _, t := range triggers {
		if strings.Contains(line, t) {
			return match(line)
		}
	}
	return nil
}
