/**
 * Every OpenAI-compatible provider through the real gateway, driven by the official openai
 * client, against a fake upstream replaying that provider's recorded wire shapes. Each case
 * checks what the client got AND what the gateway sent upstream.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { readChunks, replay, replayJson, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { PNG_BASE64, PROVIDER_CASES, expectedUpstreamMessages } from './provider-cases';

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
];

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  const out = { text: '', reasoning: '', usage: null as OpenAI.CompletionUsage | null, usageChunks: 0, finish: null as string | null, chunks: 0 };
  for await (const chunk of stream) {
    out.chunks++;
    if (chunk.usage) (out.usage = chunk.usage), out.usageChunks++;
    const c = chunk.choices[0];
    if (!c) continue;
    out.text += c.delta?.content ?? '';
    out.reasoning += (c.delta as any)?.reasoning_content ?? '';
    if (c.finish_reason) out.finish = c.finish_reason;
  }
  return out;
}

// A loopback "CDN" for remote image URLs; the gateway may use it because the test allows the host.
let images: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  images = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: () => new Response(Buffer.from(PNG_BASE64, 'base64'), { headers: { 'content-type': 'image/png' } }),
  });
});
afterAll(() => images.stop(true));

for (const p of PROVIDER_CASES) {
  describe(`${p.id} through the gateway`, () => {
    let fake: FakeUpstream;
    let gw: TestGateway;
    let client: OpenAI;
    beforeAll(async () => {
      fake = startFakeUpstream();
      gw = await startGateway({
        env: { ...providerEnv(p.id, `${fake.url}/v1`), LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS: '127.0.0.1' },
      });
      client = gw.openai();
    });
    afterAll(async () => {
      await gw.close();
      fake.close();
    });

    test('non-stream: completion and usage in OpenAI convention; upstream got the concrete model', async () => {
      fake.handler = replayJson(p.id, 'chat.json');
      const messages = [{ role: 'user' as const, content: 'Hello' }];
      const r = await client.chat.completions.create({ model: p.model, messages, max_tokens: 50 });
      expect(r.object).toBe('chat.completion');
      expect(r.choices[0]!.message.content).toBe(p.text);
      if (p.reasoning) expect((r.choices[0]!.message as any).reasoning_content).toBeTruthy();
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);

      const sent = fake.last();
      expect(sent.method).toBe('POST');
      expect(sent.path).toBe('/v1/chat/completions');
      expect(sent.headers.authorization).toBe(`Bearer sk-test-${p.id}-key-0123456789`);
      expect(sent.body.model).toBe(p.upstreamModel);
      expect(sent.body.stream_options).toBeUndefined();
      expect(sent.body.messages).toEqual(expectedUpstreamMessages(p.id, messages));
    });

    test('stream with include_usage: text, reasoning and one usage chunk in OpenAI convention', async () => {
      fake.handler = replay(p.id, 'text.chunks.txt');
      const { data: stream, response } = await client.chat.completions
        .create({ model: p.model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] })
        .withResponse();
      const r = await collect(stream);
      expect(r.text).toBe(p.text);
      expect(r.reasoning).toBe(p.reasoning ?? '');
      expect(r.finish).toBe('stop');
      expect(r.usageChunks).toBe(1);
      const u = r.usage!;
      expect(u.prompt_tokens).toBe(p.streamUsage.prompt);
      expect(u.completion_tokens).toBe(p.streamUsage.completion);
      expect(u.prompt_tokens_details?.cached_tokens).toBe(p.streamUsage.cached);
      expect(u.completion_tokens_details?.reasoning_tokens).toBe(p.streamUsage.reasoning);
      expect(u.total_tokens).toBe(p.streamUsage.prompt + p.streamUsage.completion);
      expect(fake.last().body).toMatchObject({ model: p.upstreamModel, stream: true, stream_options: { include_usage: true } });

      expect(await gw.waitForRow(response)).toMatchObject({
        provider: p.id, stream: true, status: 200, estimated: false,
        promptTokens: p.streamUsage.prompt, completionTokens: p.streamUsage.completion,
        cachedTokens: p.streamUsage.cached, reasoningTokens: p.streamUsage.reasoning,
      });
    });

    test('stream without include_usage: the gateway still asks upstream, but the client sees no usage', async () => {
      fake.handler = replay(p.id, 'text.chunks.txt');
      const { data: stream, response } = await client.chat.completions
        .create({ model: p.model, stream: true, messages: [{ role: 'user', content: 'Hello' }] })
        .withResponse();
      const r = await collect(stream);
      expect(r.text).toBe(p.text);
      expect(r.usageChunks).toBe(0);
      expect(fake.last().body.stream_options).toEqual({ include_usage: true });
      // ...and the log row still has the upstream's numbers.
      expect((await gw.waitForRow(response)).promptTokens).toBe(p.streamUsage.prompt);
    });

    test('tools round trip: parallel calls, then tool results sent back unchanged', async () => {
      fake.handler = replayJson(p.id, 'tools.json');
      const user = { role: 'user' as const, content: 'Weather in Paris and Tokyo?' };
      const first = await client.chat.completions.create({ model: p.model, messages: [user], tools, tool_choice: 'auto' });
      const msg = first.choices[0]!.message;
      expect(first.choices[0]!.finish_reason).toBe('tool_calls');
      expect(msg.tool_calls!.map((c: any) => [c.function.name, JSON.parse(c.function.arguments).city])).toEqual([
        ['get_weather', 'Paris'],
        ['get_weather', 'Tokyo'],
      ]);
      expect(fake.last().body.tools).toEqual(tools);
      expect(fake.last().body.tool_choice).toBe('auto');

      fake.handler = replayJson(p.id, 'chat.json');
      const history: OpenAI.ChatCompletionMessageParam[] = [
        user,
        msg as OpenAI.ChatCompletionAssistantMessageParam,
        ...msg.tool_calls!.map((c, i) => ({ role: 'tool' as const, tool_call_id: c.id, content: i === 0 ? '18°C, sunny' : '24°C, rain' })),
      ];
      const second = await client.chat.completions.create({ model: p.model, messages: history, tools });
      expect(second.choices[0]!.message.content).toBe(p.text);
      const sent = fake.last().body.messages;
      expect(sent).toEqual(expectedUpstreamMessages(p.id, JSON.parse(JSON.stringify(history))));
      const ids = msg.tool_calls!.map((c) => c.id);
      expect(sent.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(ids);
    });

    test('tools streamed: the SDK can assemble both calls from the relayed deltas', async () => {
      fake.handler = replay(p.id, 'tools.chunks.txt');
      const calls: { id?: string; name: string; args: string }[] = [];
      let finish: string | null = null;
      const stream = await client.chat.completions.create({
        model: p.model, stream: true, tools, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
      });
      for await (const chunk of stream) {
        for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
          const c = (calls[d.index] ??= { name: '', args: '' });
          if (d.id) c.id = d.id;
          c.name += d.function?.name ?? '';
          c.args += d.function?.arguments ?? '';
        }
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(finish).toBe('tool_calls');
      expect(calls.map((c) => [c.name, JSON.parse(c.args).city])).toEqual([
        ['get_weather', 'Paris'],
        ['get_weather', 'Tokyo'],
      ]);
      expect(calls.every((c) => !!c.id)).toBe(true);
    });

    const vision = (url: string, detail?: 'low') =>
      client.chat.completions.create({
        model: p.model,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url, ...(detail && { detail }) } }] }],
      });

    // OpenAI's chat takes spoken and document parts; the others refuse them (DeepSeek any non-text part, below).
    if (p.id !== 'openai') {
      test('input_audio and file parts: refused before any call, 400 unsupported_parameter naming the part', async () => {
        fake.handler = replayJson(p.id, 'chat.json');
        const before = fake.requests.length;
        const parts = [
          { type: 'input_audio' as const, input_audio: { data: 'UklGRg==', format: 'wav' as const } },
          { type: 'file' as const, file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ];
        for (const part of parts) {
          const err = await apiError(client.chat.completions.create({ model: p.model, messages: [{ role: 'user', content: 'Hi' }, { role: 'user', content: [{ type: 'text', text: 'This:' }, part] }] }));
          expect(err.status).toBe(400);
          expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param: 'messages[1].content[1].type' });
          expect(err.message).toContain(`Content of type '${part.type}' (messages[1].content[1]) is not supported by provider '${p.id}'`);
        }
        expect(fake.requests.length).toBe(before);
      });
    }

    if (!p.readsImages) {
      test('vision: refused before any call (its API reads text only), 400 unsupported_parameter naming the part', async () => {
        fake.handler = replayJson(p.id, 'chat.json');
        const before = fake.requests.length;
        const err = await apiError(vision(`data:image/png;base64,${PNG_BASE64}`));
        expect(err.status).toBe(400);
        expect(err.error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_parameter', param: 'messages[0].content[1].type' });
        expect(fake.requests.length).toBe(before);
      });
      return;
    }

    test('vision with a base64 data URI: forwarded as is', async () => {
      fake.handler = replayJson(p.id, 'chat.json');
      const dataUri = `data:image/png;base64,${PNG_BASE64}`;
      await vision(dataUri);
      const user = fake.last().body.messages.find((m: any) => m.role === 'user');
      expect(user.content[1]).toEqual({ type: 'image_url', image_url: { url: dataUri } });
    });

    test(`vision with a remote URL: ${p.fetchesRemoteImages ? 'left for the provider to fetch' : 'downloaded and inlined by the gateway'}`, async () => {
      fake.handler = replayJson(p.id, 'chat.json');
      const url = `http://127.0.0.1:${images.port}/cat.png`;
      await vision(url, 'low');
      const user = fake.last().body.messages.find((m: any) => m.role === 'user');
      const expected = p.fetchesRemoteImages ? url : `data:image/png;base64,${PNG_BASE64}`;
      expect(user.content[1]).toEqual({ type: 'image_url', image_url: { url: expected, detail: 'low' } });
    });
  });
}

test('fixtures end with [DONE] and hold real chunk objects', () => {
  for (const p of PROVIDER_CASES) {
    for (const name of ['text.chunks.txt', 'tools.chunks.txt']) {
      const lines = readChunks(p.id, name);
      expect(lines.at(-1)).toBe('[DONE]');
      for (const l of lines.slice(0, -1)) expect(JSON.parse(l).object).toBe('chat.completion.chunk');
    }
  }
});
