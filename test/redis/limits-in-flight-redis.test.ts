/** Limits changed while requests are in flight (Redis counters). */
import { afterAll, beforeAll, test, setDefaultTimeout } from 'bun:test';
import { ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import { startLimitsRig, type LimitsRig } from '../limits/limits-helpers';
import { IN_FLIGHT_CHANGES, inFlightCountAfterChange } from '../limits/limits-in-flight';

setDefaultTimeout(30_000);

const prefix = randomPrefix();
let rig: LimitsRig;
let admin: Session;
beforeAll(async () => {
  rig = await startLimitsRig({ env: redisEnv(prefix) });
  admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
}, 30_000);
afterAll(async () => {
  await rig.close();
  await deleteKeys(prefix);
});

for (const change of IN_FLIGHT_CHANGES) {
  test(`a key's requests in flight while ${change.what} count against the new budget when they end (Redis)`, () => inFlightCountAfterChange(rig, admin, change));
}
