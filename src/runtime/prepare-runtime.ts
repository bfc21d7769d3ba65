import type { Config } from '../config/config';
import { fdLimitWarning, raiseOpenFileLimit } from './fd-limit';
import { ensureFetchCap } from './fetch-cap';

/**
 * Before the server starts: the runtime's fetch cap from the configuration (may re-execute the
 * process, see fetch-cap.ts), the open-file limit raised to its hard limit, and a warning when
 * that limit leaves room for fewer requests in flight than configured.
 */
export function prepareRuntime(config: Config, warn: (msg: string) => void = console.error): void {
  ensureFetchCap(config.upstream.maxConnections, warn);
  const message = fdLimitWarning(raiseOpenFileLimit(), config.upstream.maxConnections);
  if (message) warn(message);
}
