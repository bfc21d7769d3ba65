/**
 * What `bun run build` compiles into ./gophergate, relative to the repository root: the server,
 * then every worker as an entrypoint of its own (a compiled binary cannot load a worker file that
 * is not in it; src/runtime/bundled-worker-url.ts finds them inside it).
 */
export const BUILD_ENTRYPOINTS = ['./src/main.ts', './src/logging/log-writer.worker.ts', './src/usage/token-count.worker.ts'];

/**
 * `bun build` arguments for the executable. Bun's own `.env` loading is off in it: Bun expands
 * `$NAME` inside values (a password `pa$$w0rd` arrived as `pa0rd`) and also reads `.env.local` and
 * `.env.<NODE_ENV>`; the gateway reads `.env` itself, literally (src/config/dotenv.ts). bunfig.toml
 * in the working directory is not read either: the binary takes no runtime settings from it.
 */
export const compileArgs = (outfile: string): string[] => [
  'build', '--compile', '--minify', '--bytecode', '--format=esm', '--sourcemap=none',
  '--no-compile-autoload-dotenv', '--no-compile-autoload-bunfig',
  ...BUILD_ENTRYPOINTS, '--outfile', outfile,
];
