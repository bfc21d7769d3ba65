/** A billed failed try and the fallback walk under a budget (budget-billed-retries.ts), on the memory counters (SQLite). */
import { afterAll, beforeAll, setDefaultTimeout } from 'bun:test';
import { billedRetryCases, startBilledRetryRig, type BilledRetryRig } from './budget-billed-retries';

setDefaultTimeout(30_000);

let r: BilledRetryRig;
beforeAll(async () => {
  r = await startBilledRetryRig();
});
afterAll(() => r.close());

billedRetryCases(() => r);
