/** The chaos run of test/reliability/chaos-invariants.test.ts with the limit counters and breakers in Redis. */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import { chaosProperty, startChaosRig, type ChaosRig } from '../reliability/chaos-rig';

setDefaultTimeout(60_000);

const prefix = randomPrefix();
let rig: ChaosRig;
beforeAll(async () => {
  rig = await startChaosRig(redisEnv(prefix));
});
afterAll(async () => {
  await rig.close();
  await deleteKeys(prefix);
});

test('under random upstream faults and client behaviours (Redis counters): one row per request, gauges at 0, reservations settled, breakers sane', () => chaosProperty(rig));
