/** Limits changed while requests are in flight (in-memory counters). */
import { afterAll, beforeAll, test, setDefaultTimeout } from 'bun:test';
import { ADMIN_PASSWORD, login, type Session } from '../helpers/admin-harness';
import { startLimitsRig, type LimitsRig } from './limits-helpers';
import { IN_FLIGHT_CHANGES, inFlightCountAfterChange } from './limits-in-flight';

// A loaded CI machine starts a gateway slowly; a limit only bounds a hang.
setDefaultTimeout(30_000);

let rig: LimitsRig;
let admin: Session;
beforeAll(async () => {
  rig = await startLimitsRig();
  admin = await login(rig.gw, 'admin', ADMIN_PASSWORD);
}, 30_000);
afterAll(() => rig.close());

for (const change of IN_FLIGHT_CHANGES) {
  test(`a key's requests in flight while ${change.what} count against the new budget when they end`, () => inFlightCountAfterChange(rig, admin, change));
}
