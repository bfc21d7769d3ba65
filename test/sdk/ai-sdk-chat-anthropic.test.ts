/**
 * A Vercel AI SDK agent tool loop on a Claude model through /v1/chat/completions: the OpenAI
 * provider's chat model and the OpenAI-compatible provider, generateText and streamText with
 * stopWhen, with and without thinking, against a fake Anthropic that refuses what the real one
 * refuses about thinking and sampling.
 */
import { describe, expect, test } from 'bun:test';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicSse, samplingRefusal, thinkingRefusal } from '../anthropic/fake-anthropic';
import { useFakeProviders } from './fake-providers';

let gw: TestGateway;
const { anthropicUp } = useFakeProviders((g) => void (gw = g));
const idOf = (headers: Record<string, string | undefined> | undefined) => headers?.['x-request-id'] ?? 'no x-request-id';

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: jsonSchema<{ city: string; unit?: string }>({ type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] }),
  execute: async ({ city }) => ({ city, sky: 'sunny', celsius: 18 }),
});

const models: Record<string, () => LanguageModel> = {
  'openai chat': () => createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.clientKey }).chat('claude-sonnet-4-5'),
  'openai-compatible': () => createOpenAICompatible({ name: 'gophergate', baseURL: `${gw.url}/v1`, apiKey: gw.clientKey, includeUsage: true })('claude-sonnet-4-5'),
};

describe('AI SDK tool loop on Claude through /v1/chat/completions', () => {
  for (const [name, model] of Object.entries(models)) {
    for (const stream of [false, true]) {
      for (const thinking of [false, true]) {
        test(`${name}, ${stream ? 'streamText' : 'generateText'}${thinking ? ', reasoning_effort low' : ''}, temperature and topP: the call, its result, the answer`, async () => {
          let calls = 0;
          anthropicUp.handler = (_req, rec) => {
            const refused = thinkingRefusal(rec.body) ?? samplingRefusal(rec.body);
            if (refused) return refused;
            if (calls++ === 0) return stream ? anthropicSse('thinking-tool.sse') : jsonResponse(fixtureJson('anthropic', 'thinking-tool.json'));
            return stream ? anthropicSse('text.sse') : jsonResponse(fixtureJson('anthropic', 'after-tool.json'));
          };
          const providerOptions = thinking ? { openai: { reasoningEffort: 'low' }, gophergate: { reasoningEffort: 'low' } } : undefined;
          const args = { model: model(), prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0, temperature: 0.3, topP: 0.9, providerOptions };
          const r = stream ? streamText(args) : await generateText(args);
          expect(await r.text).toBe(stream ? 'Once upon a time.' : 'It is 18 °C and sunny in Paris.');
          const steps = await r.steps;
          expect(steps).toHaveLength(2);
          expect(steps[0]!.finishReason).toBe('tool-calls');
          expect(steps[0]!.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { city: 'Paris', unit: 'c' }]]);
          expect(await r.finishReason).toBe('stop');
          // The OpenAI provider reads no reasoning_content (OpenAI's API has none); the compatible one does.
          if (thinking && name === 'openai-compatible') expect(await steps[0]!.reasoningText).toBe('The user wants the weather in Paris. I should call get_weather.');

          const first = anthropicUp.requests.at(-2)!.body;
          expect(first.thinking).toEqual(thinking ? { type: 'enabled', budget_tokens: 1024 } : undefined);
          // Claude 4.5 refuses temperature with top_p, and a temperature other than 1 with thinking: left out.
          expect([first.temperature, first.top_p]).toEqual([thinking ? undefined : 0.3, undefined]);
          const sent = anthropicUp.last().body;
          expect(sent.messages).toEqual([
            { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
            { role: 'assistant', content: [
              ...(sent.messages[1].content[0].type === 'thinking' ? [sent.messages[1].content[0]] : []),
              { type: 'text', text: 'Let me check the weather.' },
              { type: 'tool_use', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', input: { city: 'Paris', unit: 'c' } },
            ] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: expect.anything() }] },
          ]);
          expect(await gw.waitForRow(idOf(steps[0]!.response.headers))).toMatchObject({ provider: 'anthropic', stream, status: 200, promptTokens: 472, completionTokens: 89 });
          expect(await gw.waitForRow(idOf(steps[1]!.response.headers))).toMatchObject({ provider: 'anthropic', stream, status: 200 });
        });
      }
    }
  }
});
