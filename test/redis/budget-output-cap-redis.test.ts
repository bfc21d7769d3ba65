/** A small budget caps the output of a request that names no max_tokens, rather than refusing it (Redis counters: the same). */
import { setDefaultTimeout, test } from 'bun:test';
import { useRedisLimitsRig } from '../limits/limits-helpers';
import { cappedRequestHoldsItsCapInTpm, concurrentNeverOverspend, explicitAskAndTinyBudgetRefused, helloToSeededGroup } from '../limits/budget-output-cap';

setDefaultTimeout(30_000);

/** The rig on Redis counters under a key prefix of this file's own. */
const rig = useRedisLimitsRig();

test("a $2 key sends 'Hello' to standard-pro without max_tokens: capped, answered, within its budget (Redis)", () => helloToSeededGroup(rig(), 'standard-pro', 2, true, 'cap-standard-2'));
test("a $8 key sends 'Hello' to dispatcher without max_tokens: answered within its budget (Redis)", () => helloToSeededGroup(rig(), 'dispatcher', 8, false, 'cap-dispatcher-8'));
test('an explicit max_tokens the budget cannot hold, and a prompt it cannot hold, are refused as before (Redis)', () => explicitAskAndTinyBudgetRefused(rig(), 'cap-refused'));
test('20 requests at once from a key whose budget affords about three never overspend together (Redis)', () => concurrentNeverOverspend(rig(), 'cap-concurrent'));
test('a capped request holds its prompt and its cap in the TPM window, not the default allowance (Redis)', () => cappedRequestHoldsItsCapInTpm(rig(), 'cap-tpm'));
