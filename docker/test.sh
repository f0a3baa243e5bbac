#!/usr/bin/env bash
# docker/test.sh: build the image with podman and test what is inside it,
# where no container can run.
#
# The golang build stage cannot be pulled here, so the final stage is
# built on its own: docker/rootfs.sh (the script the build stage runs)
# assembles the root filesystem, and a Containerfile made of the
# Dockerfile's own final stage, with its COPY --from=build turned into a
# COPY from the context, turns it into an image: USER, ENV, WORKDIR and
# ENTRYPOINT come from the Dockerfile and cannot drift. The image is
# saved as an OCI layout and its layers unpacked; the checks read the
# image's config (user, entrypoint, env, workdir) and files (static
# binary, CA bundle, no shell), then run the entrypoint under chroot as
# the image's user with the image's env: --help, --version (the stamped
# version), and real checks through
# a GOPROXY served over TLS on loopback by a private CA (unknown to the
# image's bundle, trusted by SSL_CERT_FILE or --ca-file).
#
# Needs root (chroot), go, podman, python3, openssl and readelf. Skips,
# saying why, only without root, chroot or podman; fails on anything else.
# Everything it makes (podman storage included) lives in one temp dir,
# removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "docker/test.sh: SKIP: $*"; exit 0; }
fail() { echo "docker/test.sh: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "chroot needs root (run with sudo)"
command -v chroot >/dev/null || skip "no chroot command"
command -v podman >/dev/null || skip "no podman to build the image (apt-get install podman)"
for tool in go python3 openssl readelf; do
	command -v "$tool" >/dev/null || fail "no $tool command (.ci/run installs what is missing)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gopreflight-docker.XXXXXX")
server=""
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT
ms() { echo $(($(date +%s%N) / 1000000)); }
t0=$(ms)

# The final stage of the Dockerfile, built from a context holding the
# root filesystem: every line after the last FROM, each COPY --from=build
# /rootfs/... made a COPY of rootfs/... from the context (options such as
# --chown kept). Anything else that brings files in (another COPY, ADD,
# RUN) fails here, since this test could not reproduce it.
final_stage() {
	awk '
		/^FROM[ \t]/ { from = $0; stage = ""; next }
		{ stage = stage $0 "\n" }
		END {
			if (from != "FROM scratch") { print "final stage is not FROM scratch: " from > "/dev/stderr"; exit 1 }
			printf "%s\n%s", from, stage
		}' "$1" | awk '
		/^COPY[ \t]/ && sub(/ --from=build /, " ") && sub(/ \/rootfs\//, " rootfs/") { print; copies++; next }
		/^(COPY|ADD|RUN)[ \t]/ { print "final stage line not reproducible by docker/test.sh: " $0 > "/dev/stderr"; bad = 1 }
		{ print }
		END { if (!copies) { print "final stage has no COPY --from=build /rootfs/" > "/dev/stderr"; bad = 1 }; exit bad }'
}
ctx="$work/context"
mkdir -p "$ctx"
final_stage Dockerfile >"$ctx/Containerfile" || fail "cannot build the Dockerfile's final stage (see above)"
stamp="v0.0.0-test.$$"
VERSION="$stamp" sh docker/rootfs.sh "$ctx/rootfs"
t_rootfs=$(ms)

# podman, hermetic: its own storage (vfs, no kernel overlay), state,
# events and network config in $work, no system or user config read, no
# registry (FROM scratch, --pull=never), no container run (chroot
# isolation; the Containerfile has no RUN). Run in a private mount
# namespace with empty /var/lib and /run, where podman keeps caches it
# has no setting for: nothing outside $work sees it, or outlives it.
mkdir -p "$work/tmp"
cat >"$work/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$work/storage"
runroot = "$work/run"
EOF
cat >"$work/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$work/events.log"
tmp_dir = "$work/libpod"
[network]
network_config_dir = "$work/networks"
EOF
podman_image() {
	set -euo pipefail
	if [ -n "$private" ]; then mount -t tmpfs tmpfs /var/lib && mount -t tmpfs tmpfs /run; fi
	local out
	out=$(podman build --isolation chroot --pull=never --file "$ctx/Containerfile" --tag "$image" "$ctx" 2>&1) ||
		fail "podman build: $out"
	podman save --quiet --format oci-dir --uncompressed --output "$work/oci" "$image" >/dev/null || fail "podman save $image"
	podman rmi --force "$image" >/dev/null || fail "podman rmi $image"
	[ -z "$(podman images --quiet)" ] || fail "podman storage still holds images: $(podman images)"
}
private=1
unshare --mount --propagation private true 2>/dev/null ||
	{ private=""; echo "docker/test.sh: note: no private mount namespace; podman may leave /var/lib/containers/cache and /run/containers"; }
image="localhost/gopreflight-test:$$"
export CONTAINERS_STORAGE_CONF="$work/storage.conf" CONTAINERS_CONF="$work/containers.conf" TMPDIR="$work/tmp"
export private ctx work image
${private:+unshare --mount --propagation private} bash -c "$(declare -f fail podman_image); podman_image"
t_image=$(ms)

# The OCI layout: manifest -> config and layers. Unpack the layers in
# order (as root, keeping owners and modes) into the root filesystem the
# checks run in; a FROM scratch image has no whiteouts to apply.
root="$work/rootfs"
mkdir -p "$root"
blob() { echo "$work/oci/blobs/${1%%:*}/${1#*:}"; }
json() { python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]: v = v[int(k)] if isinstance(v, list) else v.get(k)
print(json.dumps(v) if sys.argv[2:] and not isinstance(v, str) else v)' "$@"; }
manifest=$(blob "$(json "$work/oci/index.json" manifests 0 digest)")
config=$(blob "$(json "$manifest" config digest)")
nlayers=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["layers"]))' "$manifest")
[ "$nlayers" -ge 1 ] || fail "the image has no layers"
for ((i = 0; i < nlayers; i++)); do
	layer=$(blob "$(json "$manifest" layers "$i" digest)")
	if tar -tf "$layer" | grep -q '\(^\|/\)\.wh\.'; then fail "layer $i has whiteouts"; fi
	tar -xf "$layer" -C "$root" --numeric-owner --same-owner --same-permissions
done

# The config: a non-root numeric user that the image's passwd names, with
# HOME its home; the entrypoint one static binary; the workdir present.
user=$(json "$config" config User)
entrypoint=$(json "$config" config Entrypoint)
ep=$(json "$config" config Entrypoint 0)
workdir=$(json "$config" config WorkingDir)
mapfile -t env < <(python3 -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1]))["config"].get("Env") or []))' "$config")
[[ "$user" =~ ^([0-9]+):([0-9]+)$ ]] || fail "config User is $user, want numeric uid:gid"
uid=${BASH_REMATCH[1]} gid=${BASH_REMATCH[2]}
[ "$uid" != 0 ] && [ "$gid" != 0 ] || fail "the image runs as root ($user)"
[ "$user" = 65532:65532 ] || fail "config User is $user, want 65532:65532 (contract §9, README)"
[ "$entrypoint" = '["/gopreflight"]' ] || fail "config Entrypoint is $entrypoint, want [\"/gopreflight\"]"
home=$(awk -F: -v u="$uid" -v g="$gid" '$3 == u && $4 == g { print $6 }' "$root/etc/passwd")
[ -n "$home" ] || fail "no passwd entry for $user in the image"
printf '%s\n' "${env[@]}" | grep -qx "HOME=$home" || fail "config Env lacks HOME=$home: ${env[*]}"
owner=$(stat -c %u:%g "$root$home")
[ "$owner" = "$uid:$gid" ] || fail "$home is owned by $owner, want $user (COPY --chown in the Dockerfile)"
[ -d "$root$workdir" ] || fail "config WorkingDir $workdir is not in the image"
[ "$(stat -c %a "$root/tmp")" = 1777 ] || fail "/tmp is not mode 1777"

# Files: exactly these top-level entries; one executable (the entrypoint),
# so no shell and nothing else to run; no symlinks; static (no program
# interpreter, no dynamic section); the CA bundle where crypto/x509
# reads it, the build host's bundle.
top=$(find "$root" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')
[ "$top" = "etc gopreflight home src tmp " ] || fail "unexpected top-level entries: $top"
execs=$(cd "$root" && find . -type f -perm /111 | tr '\n' ' ')
[ "$execs" = "./gopreflight " ] || fail "executables in the image besides the entrypoint: $execs"
[ -z "$(find "$root" -type l)" ] || fail "symlinks in the image: $(find "$root" -type l)"
for sh in bin/sh bin/bash bin/busybox usr/bin/sh; do [ ! -e "$root/$sh" ] || fail "the image has a shell: /$sh"; done
bin="$root$ep"
readelf -h "$bin" | grep -q 'Type: *EXEC' || fail "the entrypoint is not an ELF executable: $(readelf -h "$bin" 2>&1 | head -3)"
if readelf -lW "$bin" | grep -Eq '^ *(INTERP|DYNAMIC) '; then
	fail "the binary is dynamically linked: $(readelf -lW "$bin" | grep -E '^ *(INTERP|DYNAMIC) |interpreter')"
fi
bundle="$root/etc/ssl/certs/ca-certificates.crt"
cmp -s "$bundle" "${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}" || fail "the image's CA bundle is not the host's"
[ "$(grep -c 'BEGIN CERTIFICATE' "$bundle")" -gt 0 ] || fail "the image's CA bundle holds no certificate"
echo "ok: image config (user $user, entrypoint $entrypoint, workdir $workdir, ${env[*]}) and files (static binary, CA bundle, no shell)"

# Run the entrypoint as the image would: its user, only its env (plus the
# test's), nothing but its root filesystem.
run() {
	local vars=()
	while [[ $# -gt 0 && "$1" == *=* ]]; do vars+=("$1"); shift; done
	timeout 30 env -i "${env[@]}" "${vars[@]}" chroot --userspec="$user" "$root" "$ep" "$@"
}
if ! out=$(run --help 2>&1); then
	if echo "$out" | grep -qi 'operation not permitted\|cannot change root'; then
		skip "chroot is not permitted here: $out"
	fi
	fail "--help in the image: $out"
fi
echo "$out" | grep -q -- '-fail-on' || fail "--help does not list the flags: $out"
out=$(run --version 2>&1) || fail "--version in the image: $out"
echo "$out" | head -n1 | grep -qx "gopreflight $stamp" || fail "--version does not say the stamped version $stamp: $out"

# A file-tree GOPROXY over TLS on loopback, its certificate from a private
# CA (a corporate proxy's, as far as the image knows).
pki="$work/pki"
mkdir -p "$pki"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=gopreflight-test-ca \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
	-keyout "$pki/ca.key" -out "$pki/ca.pem" 2>"$pki/log" || fail "openssl CA: $(cat "$pki/log")"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=proxy.test \
	-keyout "$pki/leaf.key" -out "$pki/leaf.csr" 2>"$pki/log" || fail "openssl CSR: $(cat "$pki/log")"
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$pki/ext"
openssl x509 -req -days 1 -in "$pki/leaf.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
	-extfile "$pki/ext" -out "$pki/leaf.pem" 2>"$pki/log" || fail "openssl leaf: $(cat "$pki/log")"
proxy="$work/proxy/example.test/good/@v"
mkdir -p "$proxy"
printf '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}' >"$proxy/v1.0.0.info"
printf 'module example.test/good\n' >"$proxy/v1.0.0.mod"
printf 'v1.0.0\n' >"$proxy/list"
python3 -c '
import functools, http.server, ssl, sys
root, cert, key, portfile = sys.argv[1:]
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(http.server.SimpleHTTPRequestHandler, directory=root))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open(portfile + ".new", "w").write(str(srv.server_address[1]))
__import__("os").rename(portfile + ".new", portfile)
srv.serve_forever()' "$work/proxy" "$pki/leaf.pem" "$pki/leaf.key" "$work/port" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; kill -0 "$server" 2>/dev/null || break; sleep 0.05; done
[ -s "$work/port" ] || fail "the loopback GOPROXY did not start: $(cat "$work/server.log")"
goproxy="https://127.0.0.1:$(cat "$work/port")"
cp "$pki/ca.pem" "$root/src/corp-ca.pem"

# GOFLAGS=-mod=mod: the test module has no go.sum, and with -mod=mod the
# go command (and so the check) adds missing sums instead of failing.
# check [VAR=value...] [flag...]: sets code and out.
check() {
	code=0
	out=$(run GOPROXY="$goproxy" GOSUMDB=off GOFLAGS=-mod=mod GOTOOLCHAIN=local "$@" \
		--depth mod --timeout 20s --format text /src 2>&1) || code=$?
}
gomod() { printf 'module example.test/app\n\ngo 1.21\n\nrequire example.test/good %s\n' "$1" >"$root/src/go.mod"; }
pass='^PASS: the one needed module version can be fetched'

gomod v1.0.0
check
[ "$code" = 1 ] || fail "the image trusts a private CA it does not carry: exit $code, want 1: $out"
echo "$out" | grep -q 'example.test/good  *v1.0.0  *unreachable  *tls_unknown_authority' || fail "a private CA is not reported as tls_unknown_authority: $out"

check SSL_CERT_FILE=/src/corp-ca.pem
[ "$code" = 0 ] && echo "$out" | grep -q "$pass" || fail "SSL_CERT_FILE=/src/corp-ca.pem, a good go.mod: exit $code: $out"

check --ca-file /src/corp-ca.pem
[ "$code" = 0 ] && echo "$out" | grep -q "$pass" || fail "--ca-file /src/corp-ca.pem, a good go.mod: exit $code: $out"

gomod v1.9.9
check SSL_CERT_FILE=/src/corp-ca.pem
[ "$code" = 1 ] || fail "a missing version: exit $code, want 1: $out"
echo "$out" | grep -q 'example.test/good  *v1.9.9  *not_found' || fail "a missing version is not reported as not_found: $out"

# The bundle the binary reads by default is the image's: with the CA
# added to it (this unpacked copy only), no SSL_CERT_FILE is needed.
gomod v1.0.0
cat "$pki/ca.pem" >>"$bundle"
check
[ "$code" = 0 ] && echo "$out" | grep -q "$pass" || fail "the CA in the image's bundle, a good go.mod: exit $code: $out"
t_end=$(ms)

echo "ok: the image's entrypoint runs as $user with only its root filesystem: --help; --version says $stamp; a private-CA GOPROXY is tls_unknown_authority, trusted by SSL_CERT_FILE, --ca-file or the image's bundle; a missing version is not_found (exit 1)"
echo "docker/test.sh: rootfs $((t_rootfs - t0)) ms, podman build+save $((t_image - t_rootfs)) ms, checks $((t_end - t_image)) ms"
