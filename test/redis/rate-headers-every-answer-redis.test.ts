/** Rate headers on every /v1 route and every kind of answer of a limited key (Redis counters: the look is a round trip). */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import { deleteKeys, randomPrefix, redisEnv } from '../helpers/redis-env';
import type { LimitsRig } from '../limits/limits-helpers';
import { everyAnswerRated, expiredKeyRated, startWalkRig } from '../limits/rate-headers-every-answer';

setDefaultTimeout(60_000);

const prefix = randomPrefix();
let rig: LimitsRig;
beforeAll(async () => (rig = await startWalkRig(redisEnv(prefix))), 30_000);
afterAll(async () => {
  await rig.close();
  await deleteKeys(prefix);
});

test('every /v1 route and every kind of answer of a key with RPM and TPM limits carries the rate headers, consistent along the walk (Redis)', () => everyAnswerRated(rig));
test('every /v1 route answers an expired key 401 key_expired with the rate headers of its untouched windows (Redis)', () => expiredKeyRated(rig));
