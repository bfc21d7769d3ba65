import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ env: { LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', LLM_PROXY__PROVIDERS__MOCK__CHUNKS: '4' } });
});
afterAll(() => gw.close());

describe('mock provider (local echo)', () => {
  test('non-stream echoes the last user message with usage and gateway headers', async () => {
    const { data, response } = await gw
      .openai()
      .chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('echo: hello there');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get('x-gophergate-provider')).toBe('mock');
    expect(response.headers.get('x-gophergate-model')).toBe('mock/echo');
    expect(Number(response.headers.get('x-gophergate-overhead-ms'))).toBeGreaterThanOrEqual(0);
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'mock', status: 200, clientId: gw.clientId, endpoint: 'chat', stream: false });
  });

  test('stream arrives in the configured number of content chunks, [DONE] at the end', async () => {
    const stream = await gw.openai().chat.completions.create({
      model: 'mock/echo',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three four five six' }],
    });
    const pieces: string[] = [];
    let usage: any = null;
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta?.content;
      if (c) pieces.push(c);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(pieces.join('')).toBe('echo: one two three four five six');
    expect(pieces.length).toBe(4);
    expect(usage.completion_tokens).toBeGreaterThan(0);
  });

  test('n choices, whole and streamed, each the echo; completion tokens counted n times', async () => {
    const one = await gw.openai().chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'pick one' }] });
    const three = await gw.openai().chat.completions.create({ model: 'mock/echo', n: 3, messages: [{ role: 'user', content: 'pick one' }] });
    expect(three.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([0, 1, 2].map((i) => [i, 'echo: pick one', 'stop']));
    expect(three.usage!.completion_tokens).toBe(3 * one.usage!.completion_tokens);
    const stream = await gw.openai().chat.completions.create({ model: 'mock/echo', n: 2, stream: true, messages: [{ role: 'user', content: 'pick one' }] });
    const texts = ['', ''];
    const finished: number[] = [];
    for await (const chunk of stream)
      for (const c of chunk.choices) {
        texts[c.index] += c.delta?.content ?? '';
        if (c.finish_reason) finished.push(c.index);
      }
    expect(texts).toEqual(['echo: pick one', 'echo: pick one']);
    expect(finished.sort()).toEqual([0, 1]);
  });

  test('mock is off by default: mock/* is model_not_found', async () => {
    const off = await startGateway();
    try {
      const res = await off.fetch('/v1/chat/completions', {
        method: 'POST',
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(404);
      expect((await res.json()).error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    } finally {
      await off.close();
    }
  });
});
