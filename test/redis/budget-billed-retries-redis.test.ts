/** A billed failed try and the fallback walk under a budget (test/limits/budget-billed-retries.ts), on the Redis counters. */
import { afterAll, beforeAll, setDefaultTimeout } from 'bun:test';
import { billedRetryCases, startBilledRetryRig, type BilledRetryRig } from '../limits/budget-billed-retries';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let r: BilledRetryRig;
beforeAll(async () => {
  r = await startBilledRetryRig(redisEnv(prefix));
});
afterAll(async () => {
  await r.close();
  await deleteKeys(prefix);
});

billedRetryCases(() => r);
