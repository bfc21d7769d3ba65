import { closeSync, openSync } from 'node:fs';

/** The errno codes of a process (EMFILE) or system (ENFILE) out of file descriptors. */
export const isDescriptorCode = (code: unknown): code is 'EMFILE' | 'ENFILE' => code === 'EMFILE' || code === 'ENFILE';

/**
 * Whether no descriptor is free right now (its errno code, else null): opens and closes /dev/null.
 * Never per request, only before what fails badly without one: a connect that failed (Bun.connect
 * reports EMFILE as ECONNREFUSED, bun 1.4.5; oven-sh/bun#36140, which would blame a healthy
 * upstream), a worker thread about to start (`new Worker` with no descriptor free ends the process).
 * Null where /dev/null does not exist.
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
