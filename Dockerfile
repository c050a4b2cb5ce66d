# membermock in a container: one static binary on `scratch`, about 10 MB.
#
#   docker build -t membermock .
#   docker run --rm -p 8080:8080 -p 8443:8443 membermock
#
# The binary can also come from an image that holds /membermock and /data (what
# .ci/image-test does with a binary built on the host, so that no registry is needed):
#
#   docker build --build-arg BINARY=membermock-binary -t membermock .
#
# That needs BuildKit (the default builder since Docker 23), which skips the unused build stage.

ARG BINARY=build

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# Static (glibc linked in) and stripped: the runtime stage has no libc and no debugger.
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_PROFILE_RELEASE_STRIP=true
# Dependencies first, in their own layer, against a stand-in crate: a change under src/ then
# rebuilds only membermock itself.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/load.rs \
    && cargo build --release --locked --bin membermock \
        --target "$(rustc -vV | sed -n 's/^host: //p')" \
    && rm -rf src benches
COPY src ./src
COPY seed ./seed
COPY benches ./benches
# The copied sources may be older than the stand-in's build: touch them so cargo rebuilds.
RUN touch src/main.rs src/lib.rs \
    && triple="$(rustc -vV | sed -n 's/^host: //p')" \
    && cargo build --release --locked --bin membermock --target "$triple" \
    && cp "target/$triple/release/membermock" /membermock \
    && mkdir /data

FROM ${BINARY} AS binary

FROM scratch
COPY --from=binary /membermock /usr/local/bin/membermock
# Where `--db /data/membermock.db` lives; a named volume mounted here inherits the owner.
COPY --from=binary --chown=65532:65532 /data /data
ENV MEMBERMOCK_LISTEN=0.0.0.0:8080 \
    MEMBERMOCK_TLS_LISTEN=0.0.0.0:8443 \
    MEMBERMOCK_LOG_FORMAT=json
EXPOSE 8080 8443
# Numeric, so that Kubernetes' runAsNonRoot can check it without an /etc/passwd.
USER 65532:65532
# Probes the listener MEMBERMOCK_LISTEN names (on loopback), every second: healthy about a
# second after start. Change ports through MEMBERMOCK_LISTEN, not --listen, so the probe follows.
HEALTHCHECK --interval=1s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/membermock", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/membermock"]
LABEL org.opencontainers.image.title="membermock" \
      org.opencontainers.image.description="Local emulator of the Luminate Online, SmarterU and YourMembership membership APIs" \
      org.opencontainers.image.licenses="MIT"
