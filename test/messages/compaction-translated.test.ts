/**
 * A conversation Anthropic compacted server-side (`context_management` with `compact_20260112`)
 * holds a `compaction` block in the assistant turn that compacted, and Anthropic reads it from that
 * block on. Going on with another provider (a model switch, or a group's fallback while Anthropic
 * is overloaded) must read it the same way: the summary, then what follows. Before, the block was
 * refused as an unknown type: a 400 for a translated model, and a group lost its fallback (529).
 * Driven with the official Anthropic SDK against fake OpenAI and Anthropic upstreams.
 */
import { expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import type { FakeUpstream } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { useClaudeThenGptRig } from './claude-then-gpt-rig';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useClaudeThenGptRig((rig) => ({ openai, anthropic, gw, client } = rig));

/** Anthropic's compacting answer (its recorded shape), sent back as the SDK user appends it. */
const compacted = anthropicJson('compaction.json');
const summary: string = compacted.content[0].content;
const history = (turn: any = { role: 'assistant', content: compacted.content }): Anthropic.Beta.BetaMessageParam[] => [
  { role: 'user', content: 'Refactor the billing module: it reads the clock directly.' },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01Read0000000000000000000', name: 'Read', input: { path: 'billing.ts' } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01Read0000000000000000000', content: 'x'.repeat(2000) }] },
  turn,
  { role: 'user', content: 'Go on with the clock interface.' },
];
const tools = [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } } } }];
const contextManagement = { edits: [{ type: 'compact_20260112' as const }] };

test('another provider gets the conversation from the compaction on: the summary, the rest of that turn, what follows', async () => {
  const { data, response } = await client.beta.messages
    .create({ model: 'openai/gpt-4o-mini', max_tokens: 100, tools, messages: history(), context_management: contextManagement as any, betas: ['compact-2026-01-12'] })
    .withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  expect(openai.last().body.messages).toEqual([
    { role: 'user', content: summary },
    { role: 'assistant', content: compacted.content[1].text },
    { role: 'user', content: 'Go on with the clock interface.' },
  ]);
  expect(await gw.waitForRow(response)).toMatchObject({ endpoint: 'messages', status: 200, provider: 'openai' });
});

test('a compaction that ended its turn joins the next user turn; a failed one (content null) gives no summary', async () => {
  await client.beta.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: history({ role: 'assistant', content: [compacted.content[0]] }) });
  expect(openai.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: summary }, { type: 'text', text: 'Go on with the clock interface.' }] }]);
  await client.beta.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: history({ role: 'assistant', content: [{ type: 'compaction', content: null }, compacted.content[1]] }) });
  expect(openai.last().body.messages).toEqual([
    { role: 'assistant', content: compacted.content[1].text },
    { role: 'user', content: 'Go on with the clock interface.' },
  ]);
});

test('a group whose Anthropic target is overloaded falls back to OpenAI with the compacted conversation', async () => {
  const calls = anthropic.requests.length;
  const { data, response } = await client.beta.messages
    .create({ model: 'claude-then-gpt', max_tokens: 100, tools, messages: history(), context_management: contextManagement as any, betas: ['compact-2026-01-12'] })
    .withResponse();
  expect(data.content).toEqual([{ type: 'text', text: 'ok', citations: null }]);
  // Anthropic was sent the conversation whole, compaction block and all.
  expect(anthropic.requests.length).toBe(calls + 1);
  expect(anthropic.last().body.messages[3].content[0]).toEqual(compacted.content[0]);
  expect(openai.last().body.messages[0]).toEqual({ role: 'user', content: summary });
  expect(await gw.waitForRow(response)).toMatchObject({ status: 200, provider: 'openai' });
});

test('count_tokens counts what the model reads: the compacted conversation, not the blocks before it', async () => {
  const whole = await client.beta.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: history() });
  const from = await client.beta.messages.countTokens({ model: 'openai/gpt-4o-mini', messages: history().slice(3) });
  expect(whole.input_tokens).toBe(from.input_tokens);
  // An error past the compaction names the client's own path.
  const bad = history({ role: 'assistant', content: [compacted.content[0], { type: 'text', text: 'a' }, { type: 'mystery' }] });
  const err: any = await client.beta.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: bad }).catch((e) => e);
  expect(err.status).toBe(400);
  expect(err.message).toContain('messages.3.content.2.type');
});
