/** TPM of a request that outlives its window (limits/tpm-long-request.ts): Redis counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useRedisLimitsRig } from '../limits/limits-helpers';
import { longRequestCountsItsExcess } from '../limits/tpm-long-request';

setDefaultTimeout(30_000);

/** The rig on Redis counters under a key prefix of this file's own. */
const rig = useRedisLimitsRig();

test('a request without max_tokens that outlives its TPM window counts the tokens it used beyond its reservation when it ends (Redis)', () => longRequestCountsItsExcess(rig(), 'tpm-long'));
