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
