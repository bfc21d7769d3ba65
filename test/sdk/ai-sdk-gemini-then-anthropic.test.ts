/**
 * An AI SDK tool loop on /v1/messages whose first step Gemini 3 answers (translated: its thought
 * summary comes as a `thinking` block the gateway cannot sign) and whose next step Anthropic
 * answers natively, with thinking on: by a model switch between calls, or a group falling back.
 * The SDK's Anthropic provider leaves out a thinking block that came without a signature, so the
 * tool_use turn reaches Anthropic without thinking; the fake refuses that as the real API does
 * ("a final `assistant` message must start with a thinking block"), so a failed step shows it.
 */
import { expect, test } from 'bun:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, readChunks, sseResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicSse, strictAboutThinking } from '../anthropic/fake-anthropic';
import { useFakeProviders } from './fake-providers';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let gw: TestGateway;
const { anthropicUp, geminiUp } = useFakeProviders(
  (g) => {
    gw = g;
    g.ctx.db.insert(modelGroups).values({ name: 'gemini-then-claude', strategy: 'heuristic', targets: ['gemini/gemini-3-pro-preview', 'anthropic/claude-sonnet-4-5'], settings: { rules: [] }, updatedAt: Date.now() }).run();
    g.ctx.state.reload();
  },
  { gemini: true },
);

const anthropic = () => createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey });
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';
const thinking = { anthropic: { thinking: { type: 'enabled', budgetTokens: 2000 } } } as const;
const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string }>({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: 'sunny' }),
});
const overloaded = () => jsonResponse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } }, 503);

test('a group: Gemini 3 makes the tool calls, falls over on the next step, Anthropic (thinking on) answers it', async () => {
  let n = 0;
  geminiUp.handler = () => (n++ === 0 ? sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt')) : overloaded());
  anthropicUp.handler = strictAboutThinking(() => anthropicSse('text.sse'));
  const r = streamText({ model: anthropic()('gemini-then-claude'), prompt: 'Weather in Paris and Tokyo?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), providerOptions: thinking, maxRetries: 0 });
  const parts: any[] = await Array.fromAsync(r.fullStream);
  expect(parts.filter((p) => p.type === 'error').map((p) => String(p.error?.message ?? p.error))).toEqual([]);
  const steps = await r.steps;
  expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
  // The SDK sent Gemini's thinking back with its empty signature; the gateway left it out, and thinking with it.
  expect(anthropicUp.last().body.messages[1].content.map((b: any) => b.type)).toEqual(['tool_use', 'tool_use']);
  expect(anthropicUp.last().body.thinking).toBeUndefined();
  const rows = await Promise.all(steps.map((s) => gw.waitForRow(idOf(s.response.headers))));
  expect(rows.map((row) => [row.provider, row.status])).toEqual([['gemini', 200], ['anthropic', 200]]);
  steps.forEach((s, i) => expect([rows[i]!.promptTokens, rows[i]!.completionTokens] as unknown[]).toEqual([s.usage.inputTokens, s.usage.outputTokens]));
  expect((await r.totalUsage).outputTokens).toBe(steps[0]!.usage.outputTokens! + steps[1]!.usage.outputTokens!);
  expect(await r.text).toBeTruthy();
});

test('a model switch (prepareStep): step 1 on Gemini 3, step 2 on Claude with thinking on', async () => {
  geminiUp.handler = () => sseResponse(readChunks('gemini', 'tool-call-gemini3.chunks.txt'));
  anthropicUp.handler = strictAboutThinking(() => anthropicSse('text.sse'));
  const r = streamText({
    model: anthropic()('gemini/gemini-3-pro-preview'),
    prepareStep: ({ stepNumber }) => (stepNumber > 0 ? { model: anthropic()('anthropic/claude-sonnet-4-5') } : undefined),
    prompt: 'Weather in Paris and Tokyo?',
    tools: { get_weather: weather },
    stopWhen: stepCountIs(3),
    providerOptions: thinking,
    maxRetries: 0,
  });
  const parts: any[] = await Array.fromAsync(r.fullStream);
  expect(parts.filter((p) => p.type === 'error').map((p) => String(p.error?.message ?? p.error))).toEqual([]);
  const steps = await r.steps;
  expect(steps.map((s) => s.finishReason)).toEqual(['tool-calls', 'stop']);
  const rows = await Promise.all(steps.map((s) => gw.waitForRow(idOf(s.response.headers))));
  expect(rows.map((row) => [row.provider, row.status])).toEqual([['gemini', 200], ['anthropic', 200]]);
});
