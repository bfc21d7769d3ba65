import { closeSync, openSync } from 'node:fs';

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
