import type { Usage } from '../usage/types';
import { ApiError, type ApiErrorOptions } from './api-error';

/**
 * An error answer the upstream billed all the same (a Gemini image blocked for safety still
 * bills its prompt tokens): the client gets the error, the request's row records the usage.
 */
export class BilledError extends ApiError {
  readonly usage: Usage;

  constructor(o: ApiErrorOptions & { usage: Usage }) {
    super(o);
    this.usage = o.usage;
  }
}

/** The usage an error was billed, or null. */
export function billedUsageOf(err: unknown): Usage | null {
  return err instanceof BilledError ? err.usage : null;
}
