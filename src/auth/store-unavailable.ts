import { ApiError } from '../errors/api-error';

/** /api while the configured store (PostgreSQL) cannot be reached; /v1 keeps serving meanwhile. */
export const storeUnavailable = () =>
  new ApiError({
    status: 503,
    message: 'The database is unreachable; the admin API is unavailable until it is back. /v1 keeps serving.',
    type: 'api_error',
    code: 'store_unavailable',
    headers: { 'retry-after': '5' },
  });

/**
 * How long a signed-in or /api request waits for PostgreSQL to be asked again when it is marked
 * away (the probe runs each second): back, the request is served; not answering, it gets the 503.
 * As long as the probe's period: Bun's pool, after failed connection attempts, takes a few hundred
 * ms to connect again once PostgreSQL is back.
 */
export const STORE_RECHECK_MS = 1_000;
