# syntax=docker/dockerfile:1
# gopreflight as a container: docker run --rm -v "$PWD:/src" -w /src IMAGE
# Built from the vendored source with no module download, static
# (CGO_ENABLED=0), on an empty base with CA certificates, as non-root.
# The build stage runs on the builder's platform and cross-compiles for
# the target's (buildx --platform linux/arm64 needs no emulation). Its Go
# is a supported release: its standard library is in the binary.
ARG GO_VERSION=1.26
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /go/src/gopreflight
COPY . .
# The version --version and the JSON report show: the release workflow
# passes the tag; left empty, rootfs.sh stamps the source hash.
ARG VERSION=""
ARG TARGETOS
ARG TARGETARCH
RUN GOOS="$TARGETOS" GOARCH="$TARGETARCH" VERSION="$VERSION" sh docker/rootfs.sh /rootfs

FROM scratch
COPY --from=build /rootfs/ /
# Whether COPY keeps the owners of the build stage depends on the builder
# (podman makes them root): HOME is the user's, say so.
COPY --from=build --chown=65532:65532 /rootfs/home/ /home/
USER 65532:65532
# Go reads /etc/ssl/certs/ca-certificates.crt; SSL_CERT_FILE adds none,
# it replaces the bundle (a corporate CA: -e SSL_CERT_FILE=/src/ca.pem).
ENV HOME=/home/nonroot
WORKDIR /src
ENTRYPOINT ["/gopreflight"]
