/** A budget removed and set again in the same period reads the logs again (Redis counters). */
import { afterAll, beforeAll, test } from 'bun:test';
import { budgetSetAgainReadsTheLogs } from '../limits/budget-set-again';
import { startLimitsRig, type LimitsRig } from '../limits/limits-helpers';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';

const prefix = randomPrefix();
let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig({ env: redisEnv(prefix) });
});
afterAll(async () => {
  await rig.close();
  await deleteKeys(prefix);
});

test('a budget removed from a key and its team, then set again the same month, starts from the logs, not from the spend Redis kept', () =>
  budgetSetAgainReadsTheLogs(rig));
