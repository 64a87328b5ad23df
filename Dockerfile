# scimitar in a small image: the harness, its suites and the reference server.
#   docker build -t scimitar .
#   docker run --rm scimitar run                                  # against the bundled server
#   docker run --rm -e SCIMITAR_TOKEN scimitar run --url https://api.example.com/scim/v2
#   docker run --rm -p 8080:8080 scimitar serve --host 0.0.0.0 --token t
FROM rust:1.91-slim-bookworm AS build
WORKDIR /src
# The manifest names test and bench targets, so their sources come too.
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY suites suites
COPY schemas schemas
COPY reports reports
COPY tests tests
COPY benches benches
RUN cargo build --release --locked --bin scimitar \
 && strip target/release/scimitar

# TLS is rustls, trusting the image's CA bundle: the binary needs only libc and certificates.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/scimitar /usr/local/bin/scimitar
WORKDIR /work
ENTRYPOINT ["scimitar"]
CMD ["--help"]
