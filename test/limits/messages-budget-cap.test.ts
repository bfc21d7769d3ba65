/** /v1/messages: a small budget cuts the client's max_tokens ceiling to what it holds, rather than refusing every turn (in-memory counters). */
import { afterAll, beforeAll, setDefaultTimeout, test } from 'bun:test';
import { concurrentTurnsNeverOverspend, parallelTurnsShareTheRoom, teamNearItsLimit, fittingCeilingUntouched, opusCeilingCapped, startMessagesRig, thinkingBudgetFitsTheCap, translatedAndFallbackCapped, type MessagesRig } from './messages-budget-cap';

setDefaultTimeout(30_000);

let rig: MessagesRig;
beforeAll(async () => (rig = await startMessagesRig()), 30_000);
afterAll(() => rig.close());

test('a $1 key on Claude Opus asks max_tokens 32000 (create, then stream): answered with the max_tokens it holds, stop_reason max_tokens, within its budget', () => opusCeilingCapped(rig, 'msg-opus'));
test("Claude Code's thinking budget 31999 is lowered below the cap; a budget without room for 1024 thinking tokens is refused", () => thinkingBudgetFitsTheCap(rig, 'msg-thinking'));
test('translated to OpenAI, and a group falling back from Anthropic to OpenAI: each target gets the cap of its own prices', () => translatedAndFallbackCapped(rig, 'msg-translated'));
test('12 turns of one key at once never overspend together', () => concurrentTurnsNeverOverspend(rig, 'msg-concurrent'));
test('a max_tokens the budget holds is sent as asked', () => fittingCeilingUntouched(rig, 'msg-fits'));
test('a team near its limit: a key without a budget of its own is sent half what the team has left', () => teamNearItsLimit(rig, 'msg-team'));
test("two Claude Code turns of one key at once near its budget's end: the main turn held open gets half the room, the subagent's a quarter, both answered", () => parallelTurnsShareTheRoom(rig, 'msg-parallel'));
