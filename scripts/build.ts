/**
 * `bun run build`: one self-contained executable `./gophergate` from BUILD_ENTRYPOINTS (the server
 * and its workers); web assets and migrations are embedded through `with { type: 'file' | 'text' }`
 * imports.
 */
import { compileArgs } from './build-entrypoints';

const proc = Bun.spawnSync(['bun', ...compileArgs('gophergate')], { stdout: 'inherit', stderr: 'inherit', cwd: new URL('..', import.meta.url).pathname });
if (proc.exitCode !== 0) process.exit(proc.exitCode ?? 1);
console.log('built ./gophergate');
