# syntax=docker/dockerfile:1
# Build: docker build -t membermock .
# Run:   docker run -p 8080:8080 -p 8443:8443 membermock

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY seed ./seed
COPY benches ./benches
RUN cargo build --release --locked --bin membermock \
    && cp target/release/membermock /membermock \
    && mkdir /data

# The binary needs only glibc (SQLite and TLS are compiled in; no CA roots: the mock never
# makes outbound TLS connections).
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /membermock /usr/local/bin/membermock
# A folder the non-root user (65532 in distroless) may write, for `--db /data/membermock.db`.
COPY --from=build --chown=65532:65532 /data /data
ENV MEMBERMOCK_LISTEN=0.0.0.0:8080 \
    MEMBERMOCK_TLS_LISTEN=0.0.0.0:8443 \
    MEMBERMOCK_LOG_FORMAT=json
EXPOSE 8080 8443
USER nonroot
HEALTHCHECK --interval=10s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/usr/local/bin/membermock", "healthcheck", "http://127.0.0.1:8080/_mock/health"]
ENTRYPOINT ["/usr/local/bin/membermock"]
