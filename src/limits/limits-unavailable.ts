import { ApiError } from '../errors/api-error';

/**
 * A limited key's request while its limits cannot be checked: in fail mode `closed` while Redis is
 * unreachable (RedisLimitCounters), or, in fail mode `open`, a budget one of several instances cut
 * off from Redis cannot take a safe share of (LocalLimitFallback: it never saw what the others had
 * reserved of it). 503 with `retry-after: 1`, never a budget refusal the key has not earned.
 */
export class LimitsUnavailableError extends ApiError {
  constructor(message = 'Limits cannot be checked right now: the shared counters (Redis) are unreachable. Try again shortly.') {
    super({ status: 503, message, type: 'api_error', code: 'limits_unavailable', headers: { 'retry-after': '1' } });
  }
}
