/** Client aborts after the send, billed (test/usage/client-abort-billing.ts), on the Redis counters. */
import { afterAll, beforeAll, setDefaultTimeout } from 'bun:test';
import { abortBillingCases, startAbortRig, type AbortRig } from '../usage/client-abort-billing';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';

setDefaultTimeout(60_000);

const prefix = randomPrefix();
let a: AbortRig;
beforeAll(async () => {
  a = await startAbortRig(redisEnv(prefix));
});
afterAll(async () => {
  await a.close();
  await deleteKeys(prefix);
});

abortBillingCases(() => a);
