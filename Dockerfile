# syntax=docker/dockerfile:1
# gopreflight as a container: docker run --rm -v "$PWD:/src" -w /src IMAGE
# Built from the vendored source with no module download, static
# (CGO_ENABLED=0), on an empty base with CA certificates, as non-root.
ARG GO_VERSION=1.23
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /go/src/gopreflight
COPY . .
ARG VERSION=docker
RUN VERSION="$VERSION" sh docker/rootfs.sh /rootfs

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
