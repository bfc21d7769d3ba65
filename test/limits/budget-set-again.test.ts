/** A budget removed and set again in the same period reads the logs again (in-memory counters). */
import { afterAll, beforeAll, test } from 'bun:test';
import { startLimitsRig, type LimitsRig } from './limits-helpers';
import { budgetSetAgainReadsTheLogs } from './budget-set-again';

let rig: LimitsRig;
beforeAll(async () => {
  rig = await startLimitsRig();
});
afterAll(() => rig.close());

test('a budget removed from a key and its team, then set again the same month, starts from the logs, not from the spend kept before', () =>
  budgetSetAgainReadsTheLogs(rig));
