#!/usr/bin/env bash
# docker/test.sh: test the image's contents without a container engine.
# Assembles the final stage's root filesystem with docker/rootfs.sh (the
# script the Dockerfile runs), then runs its binary under chroot as the
# image's user (65532:65532), which proves it is static and needs nothing
# else from the image: --help, then a real check of a go.mod against a
# GOPROXY served on loopback. Needs root (chroot) and go; skips, saying
# why, where either is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "docker/test.sh: SKIP: $*"; exit 0; }
fail() { echo "docker/test.sh: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "chroot needs root (run with sudo)"
command -v chroot >/dev/null || skip "no chroot command"
command -v go >/dev/null || skip "no go command to build the binary"

work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
root="$work/rootfs"
sh docker/rootfs.sh "$root"

# Static: no program interpreter, nothing else in the image to load.
if command -v readelf >/dev/null && readelf -l "$root/gopreflight" | grep -q 'Requesting program interpreter'; then
	fail "the binary is dynamically linked"
fi
[ -s "$root/etc/ssl/certs/ca-certificates.crt" ] || fail "no CA bundle in the image"
grep -q '^nonroot:x:65532:65532:' "$root/etc/passwd" || fail "no non-root user"
expected=$(find "$root" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
[ "$expected" = "etc gopreflight home src tmp " ] || fail "unexpected top-level files: $expected"

run() { timeout 60 chroot --userspec=65532:65532 "$root" /gopreflight "$@"; }
if ! out=$(run --help 2>&1); then
	if echo "$out" | grep -qi 'operation not permitted\|cannot change root'; then
		skip "chroot is not permitted here: $out"
	fi
	fail "--help in the image: $out"
fi
echo "$out" | grep -q -- '-fail-on' || fail "--help does not list the flags: $out"
echo "ok: the image's binary runs as 65532:65532 with nothing but its root filesystem"

# A real check: a file-tree GOPROXY on loopback, served by python3.
command -v python3 >/dev/null || skip "no python3 to serve a loopback GOPROXY (the --help check passed)"
proxy="$work/proxy/example.test/good/@v"
mkdir -p "$proxy"
printf '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}' >"$proxy/v1.0.0.info"
printf 'module example.test/good\n' >"$proxy/v1.0.0.mod"
printf 'v1.0.0\n' >"$proxy/list"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/proxy" "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 50); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/example.test/good/@v/list')" 2>/dev/null && break
	sleep 0.1
done

printf 'module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.0.0\n' >"$root/src/go.mod"
if ! out=$(GOPROXY="http://127.0.0.1:$port" GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME=/home/nonroot run --depth mod --timeout 20s --format text /src 2>&1); then
	fail "check of a good go.mod in the image: $out"
fi
echo "$out" | grep -q '^PASS: all 1 needed module versions can be fetched' || fail "unexpected report: $out"

printf 'module example.test/app\n\ngo 1.21\n\nrequire example.test/good v1.9.9\n' >"$root/src/go.mod"
set +e
out=$(GOPROXY="http://127.0.0.1:$port" GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME=/home/nonroot run --depth mod --timeout 20s --format text /src 2>&1)
code=$?
set -e
[ "$code" = 1 ] || fail "a missing version: exit $code, want 1: $out"
echo "$out" | grep -q 'example.test/good  *v1.9.9  *not_found' || fail "a missing version is not reported as not_found: $out"
echo "ok: the image checks a go.mod through a loopback GOPROXY (pass: exit 0, missing version: exit 1)"
