/**
 * Imported first by main.ts, so it runs before the rest of the program is evaluated: a server
 * start whose runtime lacks the configured fetch cap or heap growth re-executes itself here, before loading
 * the app (measured: the re-exec then costs the runtime's own start, not the app's twice).
 * Reads only what it needs; a bad value is left for the full configuration to report.
 */
import { parseArgs } from '../cli-args';
import { environmentWithDotenv, exportDotenv } from '../config/dotenv';
import { ConfigError, readInt } from '../config/env-readers';
import { reachLoopbackDirectly } from '../config/upstream-client-config';
import { DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_LIMIT, MAX_CONNECTIONS_VAR } from '../config/upstream-limits';
import { ensureRuntimeEnvironment } from './runtime-environment';

const command = parseArgs(process.argv.slice(2)).kind;

// `.env` first, for every command: the runtime and everything after read process.env. One that
// cannot be read stops every command that would use it, in one line (--version and --help need none).
try {
  exportDotenv();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  if (command !== 'version' && command !== 'help') {
    console.error(`gophergate: ${err.message}`);
    process.exit(1);
  }
}
// A proxy from the environment or .env is for the upstreams, not for this machine (before any fetch).
reachLoopbackDirectly();

if (command === 'serve') {
  let max: number | null = null;
  try {
    max = readInt(environmentWithDotenv(process.env), MAX_CONNECTIONS_VAR, DEFAULT_MAX_CONNECTIONS, 1, MAX_CONNECTIONS_LIMIT);
  } catch {
    // main.ts reads the configuration again and says what is wrong
  }
  if (max !== null) ensureRuntimeEnvironment(max);
}
