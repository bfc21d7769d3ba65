import type { Config } from '../config/config';
import { fdLimitWarning, raiseOpenFileLimit } from './fd-limit';
import { ensureFetchCap } from './fetch-cap';
import { startFetchThread } from './start-fetch-thread';

/**
 * Before the server starts: the runtime's fetch cap from the configuration (may re-execute the
 * process, see fetch-cap.ts), its HTTP client thread started (start-fetch-thread.ts) and the
 * open-file limit raised to its hard limit. Returns the warning
 * for a limit that leaves room for fewer requests in flight than configured (else null): main.ts
 * prints it once the server listens, so a start that fails (a port in use, a database it cannot
 * open) shows its error alone, not under a warning about capacity it never reached.
 */
export function prepareRuntime(config: Config, warn: (msg: string) => void = console.error): string | null {
  ensureFetchCap(config.upstream.maxConnections, warn);
  void startFetchThread();
  return fdLimitWarning(raiseOpenFileLimit(), config.upstream.maxConnections);
}
