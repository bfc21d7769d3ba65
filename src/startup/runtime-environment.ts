import { FETCH_CAP_VAR, runtimeFetchCap, wantedFetchCap } from './fetch-cap';
import { missingHeapGrowth } from './heap-growth';

/** Set on the re-executed process, so a runtime that still does not see its settings cannot loop. */
const REEXEC_MARK = 'GOPHERGATE_REEXEC';

/** Inside a `bun build --compile` binary the entry point lives in Bun's virtual file system. */
const isCompiled = () => Bun.main.startsWith('/$bunfs/') || Bun.main.startsWith('B:/~BUN/');

/**
 * What the runtime reads only at its start and this process's environment lacks: the fetch cap for
 * `maxConnections` upstream requests in flight (fetch-cap.ts) and the collector's heap growth
 * (heap-growth.ts). Empty when the process already runs with them.
 */
export function runtimeEnvironmentMissing(maxConnections: number, env: Record<string, string | undefined> = process.env): Record<string, string> {
  const wanted = wantedFetchCap(maxConnections);
  return { ...(runtimeFetchCap(env) === wanted ? {} : { [FETCH_CAP_VAR]: String(wanted) }), ...missingHeapGrowth(env) };
}

/**
 * Makes the runtime start with what runtimeEnvironmentMissing names: when the process did not,
 * replaces itself (execve: same pid, no parent left behind, signals and exit code untouched) with
 * the same program, arguments and environment plus those settings. Returns only when nothing is to
 * be done, or when the platform cannot exec (then it says so and the runtime keeps its own).
 */
export function ensureRuntimeEnvironment(maxConnections: number, warn: (msg: string) => void = console.error): void {
  const missing = runtimeEnvironmentMissing(maxConnections);
  if (Object.keys(missing).length === 0) return;
  const cap = missing[FETCH_CAP_VAR];
  if (process.env[REEXEC_MARK] === '1') {
    // Only the fetch cap can be seen from inside; the heap settings are in the environment by now.
    if (cap) warn(`gophergate: the runtime did not take ${FETCH_CAP_VAR}=${cap}; upstream requests beyond ${runtimeFetchCap()} wait inside Bun`);
    return;
  }
  // A compiled binary's argv[1] is its virtual entry point: the binary adds it again itself.
  const args = isCompiled()
    ? [process.argv0, ...process.argv.slice(2)]
    : [process.argv0, ...process.execArgv, ...process.argv.slice(1)];
  const env = { ...process.env, ...missing, [REEXEC_MARK]: '1' };
  try {
    process.execve!(process.execPath, args, env as Record<string, string>);
  } catch (err) {
    const what = cap ? `${FETCH_CAP_VAR}=${cap}` : Object.entries(missing).map(([k, v]) => `${k}=${v}`).join(' ');
    const consequence = cap ? `set it in the environment to serve more than ${runtimeFetchCap()} upstream requests at once` : 'the collector keeps its default heap growth';
    warn(`gophergate: could not restart with ${what} (${(err as Error).message}); ${consequence}`);
  }
}
