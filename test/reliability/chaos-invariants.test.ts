/**
 * Random faults against the gateway's invariants (SQLite, in-memory limit counters): see
 * chaos-rig.ts. CHAOS_SEED and CHAOS_RUNS reproduce or widen a run.
 */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import { chaosProperty, startChaosRig, type ChaosRig } from './chaos-rig';

setDefaultTimeout(60_000);

let rig: ChaosRig;
beforeAll(async () => {
  rig = await startChaosRig();
});
afterAll(() => rig.close());

test('under random upstream faults and client behaviours: one row per request, gauges at 0, reservations settled, breakers sane', () => chaosProperty(rig));
