/**
 * What `bun run build` compiles into ./gophergate, relative to the repository root: the server,
 * then every worker as an entrypoint of its own (a compiled binary cannot load a worker file that
 * is not in it; src/runtime/bundled-worker-url.ts finds them inside it).
 */
export const BUILD_ENTRYPOINTS = ['./src/main.ts', './src/logging/log-writer.worker.ts', './src/usage/token-count.worker.ts'];
