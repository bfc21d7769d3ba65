/**
 * `bun run build`: one self-contained executable `./gophergate`. The log-writer and token-count
 * workers are extra entrypoints (a compiled binary cannot load a worker file that is not in it); web
 * assets and migrations are embedded through `with { type: 'file' | 'text' }` imports.
 */
import { existsSync } from 'node:fs';

const entrypoints = ['./src/main.ts'];
// Every worker is an entrypoint of its own (src/runtime/bundled-worker-url.ts finds them).
for (const worker of ['./src/logging/log-writer.worker.ts', './src/usage/token-count.worker.ts']) {
  if (existsSync(worker)) entrypoints.push(worker);
}

const args = ['build', '--compile', '--minify', '--bytecode', '--format=esm', '--sourcemap=none', ...entrypoints, '--outfile', 'gophergate'];
const proc = Bun.spawnSync(['bun', ...args], { stdout: 'inherit', stderr: 'inherit', cwd: new URL('..', import.meta.url).pathname });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log('built ./gophergate');
