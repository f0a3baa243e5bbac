package cause

import "syscall"

// Winsock reports its own error numbers, which package syscall names only
// in part; the values are from winerror.h.
const (
	wsaeNetDown      syscall.Errno = 10050
	wsaeNetUnreach   syscall.Errno = 10051
	wsaeConnRefused  syscall.Errno = 10061
	wsaeHostDown     syscall.Errno = 10064
	wsaeHostUnreach  syscall.Errno = 10065
	wsaeAddrNotAvail syscall.Errno = 10049
)

var (
	refusedErrnos     = []syscall.Errno{syscall.ECONNREFUSED, wsaeConnRefused}
	unreachableErrnos = []syscall.Errno{syscall.ENETUNREACH, syscall.EHOSTUNREACH, wsaeNetDown, wsaeNetUnreach, wsaeHostDown, wsaeHostUnreach, wsaeAddrNotAvail}
	resetErrnos       = []syscall.Errno{syscall.ECONNRESET, syscall.ECONNABORTED, syscall.WSAECONNRESET, syscall.WSAECONNABORTED, syscall.EPIPE}
)
