/** A small budget caps the output of a request that names no max_tokens, rather than refusing it (in-memory counters). */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import { startLimitsRig, type LimitsRig } from './limits-helpers';
import { cappedRequestHoldsItsCapInTpm, concurrentNeverOverspend, explicitAskAndTinyBudgetRefused, helloToSeededGroup } from './budget-output-cap';

setDefaultTimeout(30_000);

let rig: LimitsRig;
beforeAll(async () => (rig = await startLimitsRig()), 30_000);
afterAll(() => rig.close());

test("a $8 key sends 'Hello' to standard-pro without max_tokens (chat and Responses): answered; its first target's own worst case fits the half of the room it reserves, so it gets no cap", () => helloToSeededGroup(rig, 'standard-pro', 8, false, 'cap-standard-8'));
test("a $2 key sends 'Hello' to standard-pro without max_tokens: the target is sent the max_tokens the budget affords, the answer is cut (length)", () => helloToSeededGroup(rig, 'standard-pro', 2, true, 'cap-standard-2'));
test("a $8 key sends 'Hello' to dispatcher without max_tokens: answered within its budget", () => helloToSeededGroup(rig, 'dispatcher', 8, false, 'cap-dispatcher-8'));
test("a $1 key sends 'Hello' to dispatcher without max_tokens: answered, capped, within its budget", () => helloToSeededGroup(rig, 'dispatcher', 1, true, 'cap-dispatcher-1'));
test('an explicit max_tokens the budget cannot hold, and a prompt it cannot hold, are refused as before', () => explicitAskAndTinyBudgetRefused(rig, 'cap-refused'));
test('20 requests at once from a key whose budget affords about three never overspend together', () => concurrentNeverOverspend(rig, 'cap-concurrent'));
test('a capped request holds its prompt and its cap in the TPM window, not the default allowance', () => cappedRequestHoldsItsCapInTpm(rig, 'cap-tpm'));
