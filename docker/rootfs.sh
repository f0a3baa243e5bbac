#!/bin/sh
# rootfs.sh OUT: assemble the image's whole root filesystem in OUT from
# this source tree: the static binary (vendored source, no module
# download), the CA bundle, a non-root user (65532, as distroless names
# "nonroot"), its home and /tmp. The Dockerfile's final stage is exactly
# OUT (FROM scratch + COPY), and docker/test.sh runs the same script, so
# what it tests is what ships.
set -eu
out=${1:?usage: rootfs.sh OUT}
# Absolute, since the build runs from the source tree: a relative OUT
# would put the binary there and leave the root filesystem without it.
mkdir -p "$out" && out=$(cd "$out" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -s "$ca" ] || { echo "rootfs.sh: no CA bundle at $ca (install ca-certificates)" >&2; exit 1; }

# The version stamped: VERSION (the release tag), else what the action
# stamps (git describe, or the source hash): never "devel".
version=${VERSION:-$(bash "$src/action/binary.sh" version)}

mkdir -p "$out/etc/ssl/certs" "$out/home/nonroot" "$out/tmp" "$out/src"
(cd "$src" && CGO_ENABLED=0 GOFLAGS="-mod=vendor -trimpath" GOPROXY=off GOTOOLCHAIN=local GOWORK=off \
	go build -ldflags="-s -w -X main.version=$version" -o "$out/gopreflight" .)
cp "$ca" "$out/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$out/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$out/etc/group"
chmod 1777 "$out/tmp"
chown -R 65532:65532 "$out/home/nonroot" 2>/dev/null || true
