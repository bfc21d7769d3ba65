/** A TPM refusal held by requests in flight asks for a short wait (tpm-held.ts): in-memory counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useLimitsRig } from './limits-helpers';
import { tpmHeldByRequestsInFlight } from './tpm-held';

setDefaultTimeout(30_000);

const rig = useLimitsRig();

test('TPM room held by a request in flight: retry-after 1 s, not the minute; settled tokens still wait for the slide', () => tpmHeldByRequestsInFlight(rig(), 'tpm-held'));
