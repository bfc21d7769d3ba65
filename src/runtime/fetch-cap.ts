import { FETCH_CAP_HEADROOM } from '../config/upstream-limits';

/**
 * Bun's cap on fetch requests in flight (`BUN_CONFIG_MAX_HTTP_REQUESTS`, default 256). Bun reads
 * the variable once, when the process starts: setting it in process.env later changes nothing.
 */
export const FETCH_CAP_VAR = 'BUN_CONFIG_MAX_HTTP_REQUESTS';
const BUN_DEFAULT_FETCH_CAP = 256;
/** Set on the re-executed process, so a runtime that still does not see the cap cannot loop. */
const REEXEC_MARK = 'GOPHERGATE_REEXEC';

/** The fetch cap the runtime needs for `maxConnections` upstream requests in flight. */
export const wantedFetchCap = (maxConnections: number) => maxConnections + FETCH_CAP_HEADROOM;

/** The cap this process's runtime started with (what Bun read from its environment at start). */
export function runtimeFetchCap(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env[FETCH_CAP_VAR]);
  return Number.isInteger(n) && n >= 1 && n <= 65_535 ? n : BUN_DEFAULT_FETCH_CAP;
}

/** Inside a `bun build --compile` binary the entry point lives in Bun's virtual file system. */
const isCompiled = () => Bun.main.startsWith('/$bunfs/') || Bun.main.startsWith('B:/~BUN/');

/**
 * Makes the runtime's fetch cap match the configuration: when the process did not start with it,
 * replaces itself (execve: same pid, no parent left behind, signals and exit code untouched) with
 * the same program, arguments and environment plus the cap. Returns only when nothing is to be
 * done, or when the platform cannot exec (then it says so and the runtime keeps its cap).
 */
export function ensureFetchCap(maxConnections: number, warn: (msg: string) => void = console.error): void {
  const wanted = wantedFetchCap(maxConnections);
  if (runtimeFetchCap() === wanted) return;
  if (process.env[REEXEC_MARK] === '1') {
    warn(`gophergate: the runtime did not take ${FETCH_CAP_VAR}=${wanted}; upstream requests beyond ${runtimeFetchCap()} wait inside Bun`);
    return;
  }
  // A compiled binary's argv[1] is its virtual entry point: the binary adds it again itself.
  const args = isCompiled()
    ? [process.argv0, ...process.argv.slice(2)]
    : [process.argv0, ...process.execArgv, ...process.argv.slice(1)];
  const env = { ...process.env, [FETCH_CAP_VAR]: String(wanted), [REEXEC_MARK]: '1' };
  try {
    process.execve!(process.execPath, args, env as Record<string, string>);
  } catch (err) {
    warn(`gophergate: could not restart with ${FETCH_CAP_VAR}=${wanted} (${(err as Error).message}); set it in the environment to serve more than ${runtimeFetchCap()} upstream requests at once`);
  }
}
