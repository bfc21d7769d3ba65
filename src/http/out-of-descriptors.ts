import { closeSync, openSync } from 'node:fs';
import { ApiError } from '../errors/api-error';

/** The errno codes of a process (EMFILE) or system (ENFILE) out of file descriptors. */
export const isDescriptorCode = (code: unknown): code is 'EMFILE' | 'ENFILE' => code === 'EMFILE' || code === 'ENFILE';

/**
 * Whether no descriptor is free right now: opens and closes /dev/null. Only on a connect that
 * failed, never per request: Bun.connect reports a socket() that failed with EMFILE as
 * ECONNREFUSED (bun 1.4.5; oven-sh/bun#36140), which would blame a healthy upstream. False where
 * /dev/null does not exist (the failure is then taken as it was reported).
 */
export function descriptorsExhausted(): 'EMFILE' | 'ENFILE' | null {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return null;
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    return isDescriptorCode(code) ? code : null;
  }
}

/**
 * No descriptor was left to connect to `to` (EMFILE at the open-file limit, ENFILE at the
 * system's): the gateway is full, as when no upstream slot frees within the queue timeout, and
 * says so the same way (503 `overloaded`, `retry-after: 1`: proxy/upstream-slots.ts), so clients
 * retry and neither the provider nor the client's image URL is blamed.
 */
export const outOfDescriptors = (code: 'EMFILE' | 'ENFILE', to: string) =>
  new ApiError({
    status: 503,
    message: `The gateway ran out of open files (${code}) and could not open a connection to ${to}; retry later.`,
    type: 'server_error',
    code: 'overloaded',
    headers: { 'retry-after': '1' },
  });
