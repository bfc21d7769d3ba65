/** A TPM refusal held by requests in flight asks for a short wait (limits/tpm-held.ts): Redis counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useRedisLimitsRig } from '../limits/limits-helpers';
import { tpmHeldByRequestsInFlight } from '../limits/tpm-held';

setDefaultTimeout(30_000);

const rig = useRedisLimitsRig();

test('TPM room held by a request in flight: retry-after 1 s, not the minute; settled tokens still wait for the slide (Redis)', () => tpmHeldByRequestsInFlight(rig(), 'tpm-held'));
