import { afterAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { okCompletion, startFakeUpstream } from '../helpers/fake-upstream';
import { ADMIN_PASSWORD, api, login } from '../helpers/admin-harness';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';
import { truncateToWindow } from '../../src/responses/truncate-input';
import type { RouteTarget } from '../../src/routing/types';

/** `truncation: "auto"` on a bridged model drops the oldest items that do not fit the model's context window. */
const deepseek = startFakeUpstream(() => okCompletion('deepseek-chat'));
let gw: TestGateway;
let client: OpenAI;
useGateway(
  (g) => {
    gw = g;
    client = g.openai();
  },
  { env: providerEnv('deepseek', deepseek.url, { LLM_PROXY__PROVIDERS__DEEPSEEK__API_KEY: 'sk-test-deepseek' }) },
);
afterAll(() => deepseek.close());

/** ~200 tokens of text (every tokenizer, and the 4-characters fallback, counts it between 100 and 300). */
const big = (word: string) => `${word} `.repeat(200).trim();
const INPUT = [
  { role: 'user' as const, content: big('alpha') },
  { role: 'assistant' as const, content: big('beta') },
  { role: 'user' as const, content: 'short question' },
];
const sent = () => deepseek.last().body.messages.filter((m: any) => m.content !== 'Always respond in English.');

describe('truncation auto, bridged', () => {
  test('with a context window known, the oldest items go until the rest fits; instructions stay; disabled sends all', async () => {
    const admin = await login(gw, 'admin', ADMIN_PASSWORD);
    expect((await api(gw, 'PATCH', '/api/models/deepseek-chat', { as: admin, body: { context_window: 350 } })).status).toBe(200);

    const res = await client.responses.create({ model: 'deepseek-chat', instructions: 'Be brief.', input: INPUT, truncation: 'auto' });
    expect(res.truncation).toBe('auto');
    expect(sent()).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'assistant', content: big('beta') },
      { role: 'user', content: 'short question' },
    ]);
    // The stored conversation is whole: retrieve and input_items show what the client sent.
    const items = await client.responses.inputItems.list(res.id, { order: 'asc' });
    expect(items.data).toHaveLength(3);

    await client.responses.create({ model: 'deepseek-chat', instructions: 'Be brief.', input: INPUT });
    expect(sent()).toHaveLength(4);

    // max_output_tokens is kept free in the window: the assistant turn goes too.
    await client.responses.create({ model: 'deepseek-chat', input: INPUT, truncation: 'auto', max_output_tokens: 300 });
    expect(sent()).toEqual([{ role: 'user', content: 'short question' }]);

    expect((await api(gw, 'PATCH', '/api/models/deepseek-chat', { as: admin, body: { context_window: null } })).status).toBe(200);
    await client.responses.create({ model: 'deepseek-chat', input: INPUT, truncation: 'auto' });
    expect(sent()).toHaveLength(3);
  });
});

describe('truncateToWindow', () => {
  const counter = { count: async (texts: readonly string[]) => texts.map((t) => t.length) }; // a character a token
  const targets = (...windows: (number | null)[]) =>
    windows.map((w) => ({ provider: 'deepseek', upstreamModel: 'm', modelId: 'm', entry: w === null ? null : { contextWindow: w } }) as unknown as RouteTarget);
  const call = { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c1', type: 'function' as const, function: { name: 'f', arguments: '{}' } }] };
  const result = { role: 'tool' as const, tool_call_id: 'c1', content: 'x'.repeat(50) };

  test('a tool result goes with its call; the newest result keeps its call; the smallest known window of the targets counts', async () => {
    const messages = [{ role: 'user' as const, content: 'u'.repeat(100) }, call, result, { role: 'user' as const, content: 'next' }];
    const kept = await truncateToWindow(messages, { targets: targets(1000, 60, null), hasInstructions: false }, counter);
    expect(kept).toEqual([{ role: 'user', content: 'next' }]);
    expect(await truncateToWindow(messages, { targets: targets(null), hasInstructions: false }, counter)).toBe(messages);

    const loop = [{ role: 'user' as const, content: 'u'.repeat(100) }, call, result];
    expect(await truncateToWindow(loop, { targets: targets(30), hasInstructions: false }, counter)).toEqual([call, result]);
  });
});
