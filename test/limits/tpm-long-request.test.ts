/** TPM of a request that outlives its window (tpm-long-request.ts): in-memory counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useLimitsRig } from './limits-helpers';
import { longRequestCountsItsExcess } from './tpm-long-request';

setDefaultTimeout(30_000);

const rig = useLimitsRig();

test('a request without max_tokens that outlives its TPM window counts the tokens it used beyond its reservation when it ends', () => longRequestCountsItsExcess(rig(), 'tpm-long'));
