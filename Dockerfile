# Build stage: compile the single self-contained executable.
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build
# The data folder, made here (distroless has no mkdir) and copied below owned by nonroot.
RUN mkdir -p /out/data

# Run stage: only the binary, as a non-root user. distroless/cc has the glibc the Bun runtime needs.
FROM gcr.io/distroless/cc-debian12:nonroot
WORKDIR /app
COPY --from=build --chown=nonroot:nonroot /src/gophergate /app/gophergate
# A new named volume takes the owner of the image's folder it is mounted on; without this folder
# the volume is root's and the non-root gateway cannot create its database ("permission denied").
COPY --from=build --chown=nonroot:nonroot /out/data /app/data
ENV LLM_PROXY__SERVER__HOST=0.0.0.0 \
    LLM_PROXY__SERVER__PORT=8080 \
    LLM_PROXY__DATABASE__PATH=/app/data/gophergate.db
VOLUME ["/app/data"]
EXPOSE 8080
USER nonroot
# The binary checks itself: there is no curl in a distroless image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/app/gophergate", "--healthcheck"]
ENTRYPOINT ["/app/gophergate"]
