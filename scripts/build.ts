/**
 * `bun run build`: one self-contained executable `./gophergate`. The log-writer worker is a
 * second entrypoint (a compiled binary cannot load a worker file that is not in it); web
 * assets and migrations are embedded through `with { type: 'file' | 'text' }` imports.
 */
import { existsSync } from 'node:fs';

const entrypoints = ['./src/main.ts'];
const worker = './src/logging/log-writer.worker.ts';
if (existsSync(worker)) entrypoints.push(worker);

const args = ['build', '--compile', '--minify', '--bytecode', '--format=esm', '--sourcemap=none', ...entrypoints, '--outfile', 'gophergate'];
const proc = Bun.spawnSync(['bun', ...args], { stdout: 'inherit', stderr: 'inherit', cwd: new URL('..', import.meta.url).pathname });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log('built ./gophergate');
