package cause

import "sort"

// BeforeHTTP says whether c fails a phase before the HTTP exchange: the
// resolver, the connection, the forward proxy or TLS.
func BeforeHTTP(c Code) bool {
	switch c {
	case OK, HTTPUnauthorized, HTTPForbidden, BlockPage, RateLimited,
		ServerError, BadResponse, Timeout, NotFound:
		return false
	}
	return true
}

// Commonest is the cause counted most often in m (the smallest code on a
// tie, so that reports are stable), OK when m is empty.
func Commonest(m map[Code]int) Code {
	keys := make([]Code, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if len(keys) == 0 {
		return OK
	}
	return keys[0]
}
