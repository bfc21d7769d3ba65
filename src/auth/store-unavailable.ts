import { ApiError } from '../errors/api-error';

/** /api while the configured store (PostgreSQL) cannot be reached; /v1 keeps serving meanwhile. */
export const storeUnavailable = () =>
  new ApiError(503, 'The database is unreachable; the admin API is unavailable until it is back. /v1 keeps serving.', 'api_error', 'store_unavailable', null, {
    'retry-after': '5',
  });
