/**
 * POST /v1/messages through the real gateway for every provider, driven by the official
 * @anthropic-ai/sdk, against fake upstreams replaying each provider's recorded wire shapes. The
 * non-stream answers are the same recordings folded into one JSON, so a stream's finalMessage()
 * must equal the non-stream answer.
 */
import { describe, expect, test } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { readChunks } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { useTranslatedRig, type TranslatedId, type TranslatedRig } from './translated-rig';
import { comparable, expectAnthropicOrder, folded, parseSse, PNG_BASE64, weatherTool } from './messages-helpers';

interface Case {
  id: TranslatedId;
  model: string;
  text: string;
  tools: string;
  toolsModel?: string;
  /** Text and reasoning of `text`. */
  answer: string;
  reasoning: string | null;
  /** What the upstream got for thinking {enabled, budget 2048} with max_tokens 4000 (half of it: high effort). */
  thinkingSent: (body: any) => void;
  /** The model takes no stop sequences (xAI's reasoning models: a 400 unsupported_parameter, test/chat/provider-quirks.test.ts). */
  refusesStop?: true;
}

const CASES: Case[] = [
  {
    id: 'openai', model: 'openai/gpt-4o-mini', text: 'text.chunks.txt', tools: 'tools.chunks.txt',
    answer: 'Hello! How can I help you today?', reasoning: null,
    // gpt-4o-mini cannot reason: no reasoning_effort (it would be an upstream 400).
    thinkingSent: (b) => expect(b.reasoning_effort).toBeUndefined(),
  },
  {
    id: 'deepseek', model: 'deepseek/deepseek-reasoner', text: 'text.chunks.txt', tools: 'reasoner-tools.chunks.txt',
    answer: 'Hello! How can I help?', reasoning: 'The user greets me.',
    thinkingSent: (b) => expect(b.reasoning_effort).toBeUndefined(),
  },
  {
    id: 'moonshot', model: 'moonshot/kimi-k2-0905-preview', text: 'text.chunks.txt', tools: 'tools.chunks.txt',
    answer: 'Hello! How can I help?', reasoning: null,
    thinkingSent: (b) => expect(b.reasoning_effort).toBeUndefined(),
  },
  {
    id: 'grok', model: 'grok/grok-3-mini', text: 'text.chunks.txt', tools: 'tools.chunks.txt',
    answer: 'Hello! How can I help?', reasoning: 'The user says hello.',
    thinkingSent: (b) => expect(b.reasoning_effort).toBe('high'),
    refusesStop: true,
  },
  {
    id: 'ollama', model: 'ollama/qwen3:8b', text: 'text.chunks.txt', tools: 'tools.chunks.txt',
    answer: 'Hello! How can I help?', reasoning: 'The user says hello.',
    // qwen3 thinks unless told not to; only gpt-oss takes a level (a model that does not think refuses one).
    thinkingSent: (b) => expect(b.reasoning_effort).toBeUndefined(),
  },
  {
    id: 'gemini', model: 'gemini/gemini-2.5-flash', text: 'text.chunks.txt', tools: 'tool-call-gemini3.chunks.txt',
    toolsModel: 'gemini/gemini-3-pro-preview',
    answer: 'There are **3** letter "r"s in "strawberry": st**r**awbe**rr**y — ünïcödé ✓.',
    reasoning: '**Counting the letters**\n\nI\'m going through "strawberry" letter by letter and marking each \'r\'.',
    thinkingSent: (b) => expect(b.generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'high', includeThoughts: true }),
  },
];

let fakes: TranslatedRig['fakes'];
let gw: TestGateway;
let client: Anthropic;
let images: TranslatedRig['images'];
let play: TranslatedRig['play'];
useTranslatedRig((rig) => ({ fakes, gw, client, images, play } = rig));

const toolsModelOf = (c: Case) => c.toolsModel ?? c.model;

for (const c of CASES) {
  describe(`${c.id} through /v1/messages`, () => {
    const fake = () => fakes.get(c.id)!;
    const sentBody = () => fake().last().body;

    test('non-stream: system blocks, stop_sequences, metadata and max_tokens go up; the answer is an Anthropic message', async () => {
      play(c.id, c.text);
      const res = await client.messages
        .create({
          model: c.model,
          max_tokens: 300,
          system: [
            { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
            { type: 'text', text: 'Answer in English.' },
          ],
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
          ...(c.refusesStop ? {} : { stop_sequences: ['###'] }),
          metadata: { user_id: 'user-42' },
        })
        .withResponse();
      const m = res.data;
      expect(m.type).toBe('message');
      expect(m.role).toBe('assistant');
      expect(m.id).toStartWith('msg_');
      const blocks = m.content.map((b) => b.type);
      expect(blocks).toEqual(c.reasoning ? ['thinking', 'text'] : ['text']);
      expect((m.content.at(-1) as Anthropic.TextBlock).text).toBe(c.answer);
      if (c.reasoning) expect((m.content[0] as Anthropic.ThinkingBlock).thinking).toBe(c.reasoning);
      expect(m.stop_reason).toBe('end_turn');
      expect(m.stop_sequence).toBeNull();
      expect(res.response.headers.get('x-gophergate-provider')).toBe(c.id);

      const sent = sentBody();
      if (c.id === 'gemini') {
        expect(sent.systemInstruction.parts.map((p: any) => p.text).join('')).toBe('You are terse.\n\nAnswer in English.');
        expect(sent.generationConfig).toMatchObject({ maxOutputTokens: 300, stopSequences: ['###'] });
      } else {
        expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are terse.\n\nAnswer in English.' });
        expect(sent.messages[1]).toEqual({ role: 'user', content: 'Hello' });
        expect(sent.stop).toEqual(c.refusesStop ? undefined : ['###']);
        expect(sent.user).toBe('user-42');
        expect(sent.max_tokens ?? sent.max_completion_tokens).toBe(300);
        expect(JSON.stringify(sent)).not.toContain('cache_control');
      }

      // Usage: Anthropic's input_tokens leaves out the cache reads.
      const row = (await gw.waitForEndpointLogs('messages', 1)).find((l) => l.requestId === res.response.headers.get('x-request-id'))!;
      expect(row).toMatchObject({ endpoint: 'messages', provider: c.id, status: 200, stream: false });
      expect(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0)).toBe(row.promptTokens);
      expect(m.usage.cache_read_input_tokens).toBe(row.cachedTokens);
      expect(m.usage.output_tokens).toBe(row.completionTokens);
    });

    test('stream: exact event order, and finalMessage() equals the non-stream answer', async () => {
      play(c.id, c.text);
      const params = { model: c.model, max_tokens: 300, messages: [{ role: 'user' as const, content: 'Hello' }] };
      const whole = await client.messages.create(params);

      const raw = await gw.fetch('/v1/messages', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toStartWith('text/event-stream');
      const events = parseSse(await raw.text());
      expectAnthropicOrder(events);
      const types = events.map((e) => e.type);
      // One early ping, right after the first block starts (as Anthropic sends it).
      expect(types.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
      const starts = events.filter((e) => e.type === 'content_block_start').map((e) => e.content_block.type);
      expect(starts).toEqual(c.reasoning ? ['thinking', 'text'] : ['text']);
      const deltaKinds = [...new Set(events.filter((e) => e.type === 'content_block_delta').map((e) => e.delta.type))];
      expect(deltaKinds).toEqual(c.reasoning ? ['thinking_delta', 'signature_delta', 'text_delta'] : ['text_delta']);
      expect(events.at(-2).delta.stop_reason).toBe('end_turn');

      const final = await client.messages.stream(params).finalMessage();
      expect(comparable(final)).toEqual(comparable(whole));
      expect(fake().last().body.stream ?? fake().last().path.includes('stream')).toBeTruthy();
    });

    test('tool round trip with thinking over two turns', async () => {
      play(c.id, c.tools);
      const first = await client.messages
        .stream({
          model: toolsModelOf(c),
          max_tokens: 4000,
          thinking: { type: 'enabled', budget_tokens: 2048 },
          tools: [weatherTool],
          tool_choice: { type: 'auto' },
          messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
        })
        .finalMessage();
      const up1 = sentBody();
      c.thinkingSent(up1);
      if (c.id === 'gemini') expect(up1.tools[0].functionDeclarations[0].name).toBe('get_weather');
      else expect(up1.tools[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', parameters: weatherTool.input_schema } });

      expect(first.stop_reason).toBe('tool_use');
      const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
      expect(uses.length).toBeGreaterThanOrEqual(1);
      expect(uses[0]!.name).toBe('get_weather');
      expect(uses[0]!.id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect((uses[0]!.input as any).city).toBeTruthy();

      play(c.id, c.text);
      const second = await client.messages.create({
        model: toolsModelOf(c),
        max_tokens: 4000,
        thinking: { type: 'enabled', budget_tokens: 2048 },
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          { role: 'assistant', content: first.content as any },
          { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `{"temp":21,"city":"${(u.input as any).city}"}` })) },
        ],
      });
      expect(second.content.some((b) => b.type === 'text')).toBe(true);
      const up2 = sentBody();
      if (c.id === 'gemini') {
        const model = up2.contents[1];
        expect(model.role).toBe('model');
        // Gemini 3's thought signature came back on the first call, carried inside the tool_use id.
        expect(model.parts[0].functionCall.name).toBe('get_weather');
        expect(model.parts[0].thoughtSignature).toBe(readChunks('gemini', c.tools).map((l) => JSON.parse(l)).flatMap((x) => x.candidates[0].content.parts).find((p: any) => p.functionCall).thoughtSignature);
        expect(up2.contents[2].parts[0].functionResponse.name).toBe('get_weather');
      } else {
        const assistant = up2.messages.find((m: any) => m.role === 'assistant');
        const upstreamIds = folded(c.id, c.tools).choices[0].message.tool_calls.map((t: any) => t.id);
        // The upstream's own tool call ids went back (Kimi's `get_weather:0` too).
        expect(assistant.tool_calls.map((t: any) => t.id)).toEqual(upstreamIds);
        const tools = up2.messages.filter((m: any) => m.role === 'tool');
        expect(tools.map((t: any) => t.tool_call_id)).toEqual(upstreamIds);
        const thinking = first.content.find((b): b is Anthropic.ThinkingBlock => b.type === 'thinking')?.thinking;
        if (c.id === 'deepseek') expect(assistant.reasoning_content).toBe(thinking!);
        else expect(assistant.reasoning_content).toBeUndefined();
      }
    });

    test(c.id === 'deepseek' ? 'images: refused before the call (DeepSeek reads text only), 400 invalid_request_error' : 'images: base64 and URL blocks reach the upstream (remote ones through the image-URL guard)', async () => {
      play(c.id, c.text);
      const url = `http://127.0.0.1:${images.port}/cat.png`;
      const before = fake().requests.length;
      const sending = client.messages.create({
        model: c.model,
        max_tokens: 100,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
              { type: 'image', source: { type: 'url', url } },
            ],
          },
        ],
      });
      if (c.id === 'deepseek') {
        const err: any = await sending.catch((e) => e);
        expect(err.status).toBe(400);
        expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
        expect(fake().requests.length).toBe(before);
        return;
      }
      await sending;
      const sent = sentBody();
      if (c.id === 'gemini') {
        const parts = sent.contents[0].parts;
        expect(parts[0]).toEqual({ text: 'Compare' });
        expect(parts[1].inlineData).toEqual({ mimeType: 'image/png', data: PNG_BASE64 });
        expect(parts[2].inlineData.data).toBe(PNG_BASE64);
      } else {
        const parts = sent.messages.at(-1).content;
        expect(parts[1].image_url.url).toBe(`data:image/png;base64,${PNG_BASE64}`);
        // Ollama cannot fetch URLs: the gateway downloaded and inlined it.
        expect(parts[2].image_url.url).toBe(c.id === 'ollama' ? `data:image/png;base64,${PNG_BASE64}` : url);
      }
    });

    test('count_tokens: a tokenizer estimate, logged with no cost', async () => {
      const before = fake().requests.length;
      const res = await gw.fetch('/v1/messages/count_tokens', {
        method: 'POST',
        headers: { authorization: '', 'x-api-key': gw.clientKey, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: c.model, system: 'Be brief.', tools: [weatherTool], messages: [{ role: 'user', content: 'Hello there, how are you?' }] }),
      });
      expect(res.status).toBe(200);
      const { input_tokens } = (await res.json()) as any;
      const small = await client.messages.countTokens({ model: c.model, messages: [{ role: 'user', content: 'Hi' }] });
      expect(input_tokens).toBeGreaterThan(small.input_tokens);
      expect(small.input_tokens).toBeGreaterThan(0);
      expect(fake().requests.length).toBe(before);
      const rows = await gw.waitForEndpointLogs('count_tokens', 1);
      const row = rows.find((l) => l.requestId === res.headers.get('x-request-id'))!;
      expect(row).toMatchObject({ provider: c.id, status: 200, costUsd: 0, promptTokens: 0 });
    });
  });
}

test('a Gemini error mid-stream (an error event of its own) ends the stream with event: error; the stream closes and the row is written', async () => {
  // The adapter writes Gemini's error as a chunk and then ends its output: the bridge used to wait
  // for the relay's end without reading on to it, leaving the client's stream open for ever.
  play('gemini', 'error-midstream.chunks.txt');
  const res = await gw.fetch('/v1/messages', {
    method: 'POST',
    body: JSON.stringify({ model: 'gemini/gemini-2.5-flash', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'story' }] }),
  });
  expect(res.status).toBe(200);
  const events = parseSse(await res.text());
  expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
  // Gemini's 503 UNAVAILABLE is Anthropic's overloaded_error (the type is all a stream's client has to go by); the row says 529.
  expect(events.at(-1)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: expect.stringContaining('overloaded'), details: { error_code: 'upstream_error' } } });
  expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'messages', provider: 'gemini', stream: true, status: 529 });

  // The SDK's stream ends with the error instead of hanging.
  const err = await client.messages.stream({ model: 'gemini/gemini-2.5-flash', max_tokens: 50, messages: [{ role: 'user', content: 'story' }] }).finalMessage().catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  expect(String(err.message)).toContain('overloaded');
  expect(err.error?.error?.type).toBe('overloaded_error');
});
