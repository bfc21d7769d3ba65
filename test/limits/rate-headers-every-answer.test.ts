/** Rate headers on every /v1 route and every kind of answer of a limited key (in-memory counters). */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import type { LimitsRig } from './limits-helpers';
import { everyAnswerRated, expiredKeyRated, startWalkRig } from './rate-headers-every-answer';

setDefaultTimeout(60_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startWalkRig()), 30_000);
afterAll(() => rig.close());

test('every /v1 route and every kind of answer of a key with RPM and TPM limits carries the rate headers, consistent along the walk', () => everyAnswerRated(rig));
test('every /v1 route answers an expired key 401 key_expired with the rate headers of its untouched windows', () => expiredKeyRated(rig));
