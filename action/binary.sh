#!/usr/bin/env bash
# action/binary.sh: the gopreflight binary the action runs, found or made
# in seconds and without depending on the job's Go where that Go is too
# old. action.yml runs it in two steps around the binary cache:
#
#   binary.sh key     prints dir=, bin=, version=, key=, restore-keys= (for
#                     GITHUB_OUTPUT): where the binary lives and the cache
#                     key it is saved under: OS, architecture, the
#                     action's source (hash of the files that make the
#                     binary) and the version stamped into it, the job's
#                     Go; restore-keys leaves the Go out, so that a binary
#                     another Go built from the same source is used too.
#   binary.sh version prints the version to stamp (docker/rootfs.sh).
#   binary.sh release VERSION DIR
#                     builds the release binaries reproducibly, with
#                     their SHA256SUMS (the release workflow; and before
#                     tagging, to write action/release.sha256).
#   binary.sh build   makes sure $GOPREFLIGHT_BIN is a working binary:
#                     the cached one if it runs, else, for a release ref,
#                     the release binary whose sha256 the action pins
#                     (action/release.sha256), else built from the
#                     action's vendored source with no module download
#                     (GOFLAGS=-mod=vendor, GOPROXY=off), since the
#                     network may be what is broken. When the job's Go is
#                     older than go.mod's go line, the go command is told
#                     to fetch the toolchain the action names (GOTOOLCHAIN)
#                     through the job's GOPROXY; if that fails too, one
#                     error says what to change. Prints from=cache|release|
#                     build|toolchain for GITHUB_OUTPUT.
#
# CI runs "binary.sh build" with each supported Go exactly as action.yml
# does (.github/workflows/ci.yml, job action-build), and
# action_yml_test.go runs it with the local go.
set -euo pipefail

# The toolchain an older Go fetches to build gopreflight: a current patch
# release (its standard library is in the binary, so never one with known
# vulnerabilities), at least go.mod's go line (action_yml_test.go checks).
toolchain=go1.26.8

action=$(cd "$(dirname "$0")/.." && pwd)
err() { echo "::error title=gopreflight::$*" >&2; }

# sha256 of stdin, with whichever tool the runner has.
sha256() {
	if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-64
}

# The files that make the binary, hashed with their names: the key
# changes when any of them does, and not for tests or docs.
source_hash() {
	(cd "$action" && find . \( -name .git -o -name tools -o -name testdata -o -name bench -o -name docs \) -prune -o \
		-type f \( -name '*.go' ! -name '*_test.go' -o -name '*.s' -o -name go.mod -o -name go.sum -o -name modules.txt \) -print0 |
		LC_ALL=C sort -z | xargs -0 cat -- | sha256)
}

# go.mod's go line: the oldest Go that builds gopreflight.
need_go() { awk '$1 == "go" { print $2; exit }' "$action/go.mod"; }

# version_ge A B: Go version A (1.26.8, 1.21, 1.22rc1) is B or newer; a
# release candidate comes before the release.
version_ge() {
	awk -v a="$1" -v b="$2" 'function key(v,  n, p, i, s) {
		sub(/^go/, "", v); s = 0
		if (sub(/(rc|beta)[0-9]*$/, "", v)) s = -1
		n = split(v, p, ".")
		for (i = n + 1; i <= 3; i++) p[i] = 0
		return sprintf("%06d%06d%06d%02d", p[1], p[2], p[3], s + 1)
	}
	BEGIN { exit !(key(a) >= key(b)) }'
}

# The job's go, as it is: never switching toolchains to answer, and
# asked outside any module, whose go line it could refuse.
job_go() {
	if command -v go >/dev/null 2>&1; then
		(cd / && GOTOOLCHAIN=local GOFLAGS="" go env GOVERSION 2>/dev/null) || true
	fi
}

# A release's version, as tags name it.
release_re='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

# The version stamped into the binary: the action's ref when it names a
# release (v1.2.3); else, in a git checkout (uses: ./), git describe;
# else the ref (a major tag such as v1, a branch, a commit) and the source
# hash, v1+3f2a9c1b0d4e. Never "devel".
stamp() {
	local ref=${GOPREFLIGHT_REF:-} hash=$1 d
	if [[ "$ref" =~ $release_re ]]; then
		echo "$ref"
	elif [ -e "$action/.git" ] && d=$(git -C "$action" describe --tags --always --dirty 2>/dev/null) && [ -n "$d" ]; then
		echo "$d"
	else
		echo "${ref:-source}+${hash:0:12}"
	fi | tr -c 'A-Za-z0-9._+\n-' '-'
}

# release_name VERSION GOOS GOARCH: a release binary's file name.
release_name() {
	local ext=""
	if [ "$2" = windows ]; then ext=.exe; fi
	echo "gopreflight_$1_$2_$3$ext"
}

# The runner's GOOS and GOARCH, known without a go command.
runner_platform() {
	local os arch
	case "${RUNNER_OS:-$(uname -s)}" in
	Linux) os=linux ;; macOS | Darwin) os=darwin ;; Windows* | MINGW* | MSYS* | CYGWIN*) os=windows ;; *) return 1 ;;
	esac
	case "${RUNNER_ARCH:-$(uname -m)}" in
	X64 | x86_64 | amd64) arch=amd64 ;; ARM64 | arm64 | aarch64) arch=arm64 ;; *) return 1 ;;
	esac
	echo "$os $arch"
}

# download BIN: for a release ref (v1.2.3) whose binary for this runner
# the action pins in action/release.sha256 (written before the tag by
# "binary.sh release", which the release workflow runs again and checks),
# fetch that binary from the action's repository's releases and keep it
# only if its sha256 is the pinned one. Fails (the caller then builds)
# when there is no pin, no curl, no answer, or other bytes.
download() {
	local bin=$1 ref=${GOPREFLIGHT_REF:-} platform os arch name want got url tmp
	[[ "$ref" =~ $release_re ]] && [ -n "${GOPREFLIGHT_REPOSITORY:-}" ] || return 1
	platform=$(runner_platform) || return 1
	read -r os arch <<<"$platform"
	name=$(release_name "$ref" "$os" "$arch")
	want=$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1; exit }' "$action/action/release.sha256" 2>/dev/null)
	[ -n "$want" ] && command -v curl >/dev/null 2>&1 || return 1
	url="${GITHUB_SERVER_URL:-https://github.com}/$GOPREFLIGHT_REPOSITORY/releases/download/$ref/$name"
	tmp="$bin.download"
	mkdir -p "$(dirname "$bin")"
	if ! curl --fail --silent --show-error --location --max-time 30 --retry 2 --output "$tmp" "$url"; then
		echo "gopreflight: could not download $url: building from source instead" >&2
		rm -f "$tmp"
		return 1
	fi
	got=$(sha256 <"$tmp")
	if [ "$got" != "$want" ]; then
		echo "::warning title=gopreflight::$url has sha256 $got, not the $want this action pins: not used, building from source instead" >&2
		rm -f "$tmp"
		return 1
	fi
	chmod +x "$tmp" && mv -f "$tmp" "$bin"
}

# release VERSION DIR: the release binaries, reproducibly (the pinned
# toolchain, -trimpath, no VCS stamp), into DIR with their SHA256SUMS;
# what action/release.sha256 pins for that version.
release() {
	local version=${1:?usage: binary.sh release VERSION DIR} dir=${2:?usage: binary.sh release VERSION DIR} os arch
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	for os in linux darwin windows; do
		for arch in amd64 arm64; do
			(cd "$action" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS="-mod=vendor -trimpath -buildvcs=false" GOWORK=off \
				GOTOOLCHAIN=$toolchain go build -ldflags="-s -w -X main.version=$version" -o "$dir/$(release_name "$version" $os $arch)" .)
		done
	done
	(cd "$dir" && for f in gopreflight_*; do printf '%s  %s\n' "$(sha256 <"$f")" "$f"; done >SHA256SUMS)
}

exe=""
case "${RUNNER_OS:-$(uname -s)}" in Windows* | MINGW* | MSYS* | CYGWIN*) exe=.exe ;; esac

case "${1:-}" in
key)
	hash=$(source_hash)
	version=$(stamp "$hash")
	goversion=$(job_go)
	id=$(printf '%s %s' "$hash" "$version" | sha256 | cut -c1-32)
	# A directory of its own: two versions of the action in one job
	# never run each other's binary.
	dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gopreflight-bin/${id:0:16}"
	os=${RUNNER_OS:-$(uname -s)} arch=${RUNNER_ARCH:-$(uname -m)}
	echo "dir=$dir"
	echo "bin=$dir/gopreflight$exe"
	echo "version=$version"
	prefix="gopreflight-$os-$arch-$id-"
	echo "key=$prefix${goversion:-nogo}"
	# The same source on the same platform, built by another Go: a static
	# binary that serves as well (and a job with no or an old Go needs it).
	echo "restore-keys=$prefix"
	;;
build)
	bin=${GOPREFLIGHT_BIN:?GOPREFLIGHT_BIN names the binary to make}
	if [ -f "$bin" ] && out=$("$bin" --version 2>&1); then
		echo "gopreflight: cached binary: ${out%%$'\n'*}" >&2
		echo "from=cache"
		exit 0
	fi
	if download "$bin"; then
		echo "gopreflight: release binary, sha256 as pinned: $("$bin" --version 2>&1 | head -n1)" >&2
		echo "from=release"
		exit 0
	fi
	have=$(job_go)
	need=$(need_go)
	if [ -z "$have" ]; then
		err "no go command on PATH and no cached gopreflight binary: add actions/setup-go (any Go release) before this step"
		exit 2
	fi
	mkdir -p "$(dirname "$bin")"
	version=${GOPREFLIGHT_VERSION:-$(stamp "$(source_hash)")}
	from=build
	tc=local
	goproxy=off
	if ! version_ge "${have#go}" "$need"; then
		# Toolchain switching came with Go 1.21; older ones cannot be told.
		if ! version_ge "${have#go}" 1.21; then
			err "the job's Go ($have) is older than go $need, which gopreflight needs, and too old (before Go 1.21) to fetch a newer toolchain: install Go $need or newer with actions/setup-go before this step (for example go-version: stable), or run the gopreflight container image"
			exit 2
		fi
		case "${GOPROXY:-}" in "" | off) goproxy=https://proxy.golang.org,direct ;; *) goproxy=$GOPROXY ;; esac
		tc=$toolchain
		from=toolchain
		echo "gopreflight: the job's Go ($have) is older than go $need: building with $toolchain, which the go command fetches (GOTOOLCHAIN) through GOPROXY" >&2
	fi
	# No module download: -mod=vendor, and GOPROXY=off unless a toolchain
	# must be fetched (the go command then asks GOPROXY for that alone).
	# For this machine, whatever GOOS/GOARCH the job set for its own build.
	hostos=$(cd / && GOTOOLCHAIN=local GOFLAGS="" go env GOHOSTOS)
	hostarch=$(cd / && GOTOOLCHAIN=local GOFLAGS="" go env GOHOSTARCH)
	if ! (cd "$action" && CGO_ENABLED=0 GOOS="$hostos" GOARCH="$hostarch" GOFLAGS="-mod=vendor -trimpath" GOWORK=off \
		GOTOOLCHAIN="$tc" GOPROXY="$goproxy" go build -ldflags="-s -w -X main.version=$version" -o "$bin" .); then
		if [ "$from" = toolchain ]; then
			err "the job's Go ($have) is older than go $need, which gopreflight needs, and fetching $toolchain through the job's GOPROXY failed (see above): install Go $need or newer with actions/setup-go before this step (for example go-version: stable), or allow that download"
		else
			err "building gopreflight with $have from the action's vendored source failed (see above)"
		fi
		exit 2
	fi
	by=$have
	if [ "$from" = toolchain ]; then by="$toolchain (the job's Go is $have)"; fi
	echo "gopreflight: built $("$bin" --version 2>&1 | head -n1) with $by in ${SECONDS}s" >&2
	echo "from=$from"
	;;
release)
	release "${2:-}" "${3:-}"
	;;
version)
	# The version to stamp, for docker/rootfs.sh.
	stamp "$(source_hash)"
	;;
*)
	echo "usage: binary.sh key|build|version|release VERSION DIR" >&2
	exit 2
	;;
esac
