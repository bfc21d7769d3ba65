import type { Config } from '../config/config';
import { fdLimitWarning, raiseOpenFileLimit } from './fd-limit';
import { ensureRuntimeEnvironment } from './runtime-environment';
import { startFetchThread } from './start-fetch-thread';

/**
 * Before the server starts: the runtime's fetch cap from the configuration and its heap growth (may re-execute the
 * process, see runtime-environment.ts), its HTTP client thread started (start-fetch-thread.ts) and the
 * open-file limit raised to its hard limit. Returns the warning
 * for a limit that leaves room for fewer requests in flight than configured (else null): main.ts
 * prints it once the server listens, so a start that fails (a port in use, a database it cannot
 * open) shows its error alone, not under a warning about capacity it never reached.
 */
export function prepareRuntime(config: Config, warn: (msg: string) => void = console.error): string | null {
  ensureRuntimeEnvironment(config.upstream.maxConnections, warn);
  void startFetchThread();
  return fdLimitWarning(raiseOpenFileLimit(), config.upstream.maxConnections);
}
