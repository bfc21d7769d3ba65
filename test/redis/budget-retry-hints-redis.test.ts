/** A budget refusal tells held room (retry shortly) from spent room (not before the period resets): Redis counters. */
import { setDefaultTimeout, test } from 'bun:test';
import { useRedisLimitsRig } from '../limits/limits-helpers';
import { heldBudgetIsRetried, spentBudgetIsNotRetried, spentBudgetResettingSoon } from '../limits/budget-retry-hints';

setDefaultTimeout(30_000);

/** The rig on Redis counters under a key prefix of this file's own. */
const rig = useRedisLimitsRig();

test('openai SDK: room held by a request in flight is refused retryably (1 s); its retry, once that request settled, is answered (Redis)', () => heldBudgetIsRetried(rig(), 'held-openai', 'openai'));
test('@anthropic-ai/sdk on /v1/messages: the same, in Anthropic\'s error shape (Redis)', () => heldBudgetIsRetried(rig(), 'held-anthropic', 'anthropic'));
test("a day budget spent: x-should-retry false and retry-after the time to the day's end; the SDK tries once (Redis)", () => spentBudgetIsNotRetried(rig(), 'spent-day', 'day'));
test('a total budget spent: x-should-retry false, no retry-after (Redis)', () => spentBudgetIsNotRetried(rig(), 'spent-total', 'total'));
test('a day budget spent 30 s before the day ends: retryable, retry-after 30 (Redis)', () => spentBudgetResettingSoon(rig(), 'spent-soon'));
