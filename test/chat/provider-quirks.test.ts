/**
 * Provider quirks, each checked on what the gateway SENT upstream or what the client got back,
 * through the real HTTP path with the openai client.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { fixtureJson, jsonResponse, replay, replayJson, type FakeUpstream } from '../helpers/fake-upstream';
import { fakeProviders } from '../helpers/fake-providers';
import { apiError, startGateway, type TestGateway } from '../helpers/start-gateway';

let fakes: Record<string, FakeUpstream>;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  let env: Record<string, string>;
  ({ fakes, env } = fakeProviders(['openai', 'deepseek', 'moonshot', 'grok', 'ollama']));
  gw = await startGateway({ env });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

const hi = [{ role: 'user' as const, content: 'Hello' }];
const sent = (id: string) => fakes[id]!.last().body;

describe('OpenAI', () => {
  for (const model of ['o3-mini', 'o4-mini', 'gpt-5', 'gpt-5-mini']) {
    test(`${model}: max_tokens becomes max_completion_tokens, non-default temperature is dropped`, async () => {
      await client.chat.completions.create({ model: `openai/${model}`, messages: hi, max_tokens: 300, temperature: 0.2, top_p: 0.9 });
      const body = sent('openai');
      expect(body.max_completion_tokens).toBe(300);
      expect('max_tokens' in body).toBe(false);
      expect('temperature' in body).toBe(false);
      expect('top_p' in body).toBe(false);
    });
  }

  // OpenAI's GPT-5.1 and GPT-5.2 guides: temperature and top_p are taken only at reasoning effort
  // `none` (their default); any other effort, and the older gpt-5 models, refuse them.
  for (const model of ['gpt-5.1', 'gpt-5.2', 'gpt-5.1-2025-11-13', 'gpt-5.2-2025-12-11']) {
    for (const effort of [undefined, 'none'] as const) {
      test(`${model} at effort ${effort ?? '(default none)'}: temperature and top_p go up as sent`, async () => {
        await client.chat.completions.create({ model: `openai/${model}`, messages: hi, max_tokens: 300, temperature: 0.2, top_p: 0.9, ...(effort ? { reasoning_effort: effort } : {}) } as any);
        const body = sent('openai');
        expect(body).toMatchObject({ temperature: 0.2, top_p: 0.9, max_completion_tokens: 300 });
        expect('max_tokens' in body).toBe(false);
        expect(body.reasoning_effort).toBe(effort);
      });
    }
    for (const effort of ['low', 'medium', 'high'] as const) {
      test(`${model} at effort ${effort}: a non-default temperature and top_p are dropped, the effort kept`, async () => {
        await client.chat.completions.create({ model: `openai/${model}`, messages: hi, temperature: 0.2, top_p: 0.9, reasoning_effort: effort });
        const body = sent('openai');
        expect(body.reasoning_effort).toBe(effort);
        expect('temperature' in body).toBe(false);
        expect('top_p' in body).toBe(false);
      });
    }
  }

  // Not covered by those guides (no `none` effort, or older): dropped even when the client says none.
  for (const model of ['gpt-5', 'gpt-5-mini', 'gpt-5.1-codex', 'gpt-5.1-codex-mini', 'gpt-5.2-pro', 'gpt-5.2-codex', 'gpt-5.4']) {
    test(`${model} at effort none: a non-default temperature and top_p are still dropped`, async () => {
      await client.chat.completions.create({ model: `openai/${model}`, messages: hi, temperature: 0.2, top_p: 0.9, reasoning_effort: 'none' } as any);
      const body = sent('openai');
      expect('temperature' in body).toBe(false);
      expect('top_p' in body).toBe(false);
    });
  }

  test('a reasoning model keeps temperature 1 and its own max_completion_tokens', async () => {
    await client.chat.completions.create({ model: 'openai/o3', messages: hi, temperature: 1, max_completion_tokens: 50, reasoning_effort: 'low' });
    expect(sent('openai')).toMatchObject({ temperature: 1, max_completion_tokens: 50, reasoning_effort: 'low' });
  });

  test('gpt-4o and gpt-5-chat-latest are sent as the client wrote them', async () => {
    for (const model of ['gpt-4o', 'gpt-5-chat-latest']) {
      await client.chat.completions.create({ model: `openai/${model}`, messages: hi, max_tokens: 300, temperature: 0.2 });
      expect(sent('openai')).toMatchObject({ max_tokens: 300, temperature: 0.2 });
      expect('max_completion_tokens' in sent('openai')).toBe(false);
    }
  });

  test('standard parameters and unknown extra fields pass through untouched', async () => {
    const extra = {
      n: 2, stop: ['\n\n'], seed: 42, user: 'user-7', logprobs: true, top_logprobs: 3,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      prediction: { type: 'content', content: 'x' }, my_vendor_flag: { deep: [1, 2] }, presence_penalty: 0.5,
    };
    await client.chat.completions.create({ model: 'openai/gpt-4o', messages: hi, ...(extra as any) });
    expect(sent('openai')).toMatchObject(extra);
  });
});

describe('DeepSeek', () => {
  test('without a system message, "Always respond in English." is injected as the first message', async () => {
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi });
    expect(sent('deepseek').messages).toEqual([{ role: 'system', content: 'Always respond in English.' }, ...hi]);
  });

  test("a client's own system prompt is left exactly as it was", async () => {
    const messages = [{ role: 'system' as const, content: 'Réponds en français.' }, ...hi];
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages });
    expect(sent('deepseek').messages).toEqual(messages);
  });

  test("a developer message counts as the system prompt and is sent with DeepSeek's role name", async () => {
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'developer', content: 'Be brief.' }, ...hi] });
    expect(sent('deepseek').messages).toEqual([{ role: 'system', content: 'Be brief.' }, ...hi]);
  });

  test('reasoning_content comes back to the client and is kept on assistant tool-call turns sent upstream', async () => {
    fakes.deepseek!.handler = replayJson('deepseek', 'tools.json');
    const first = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi });
    const assistant = first.choices[0]!.message as any;
    expect(assistant.reasoning_content).toBe('I need the weather for both cities, so I call the tool twice.');
    fakes.deepseek!.handler = replayJson('deepseek', 'chat.json');
    await client.chat.completions.create({
      model: 'deepseek/deepseek-reasoner',
      messages: [...hi, assistant, ...assistant.tool_calls.map((c: any) => ({ role: 'tool', tool_call_id: c.id, content: 'sunny' }))],
    });
    const turn = sent('deepseek').messages.find((m: any) => m.role === 'assistant');
    expect(turn.reasoning_content).toBe('I need the weather for both cities, so I call the tool twice.');
    expect(turn.tool_calls).toHaveLength(2);
  });

  test('max_completion_tokens is sent as max_tokens (the only one DeepSeek reads)', async () => {
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, max_completion_tokens: 77 });
    expect(sent('deepseek').max_tokens).toBe(77);
    expect('max_completion_tokens' in sent('deepseek')).toBe(false);
  });

  test('n > 1 is a 400 unsupported_parameter naming n before any call (DeepSeek makes one choice a request); n: 1 goes', async () => {
    const before = fakes.deepseek!.requests.length;
    for (const stream of [false, true]) {
      const err = await apiError(client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, n: 2, stream }));
      expect(err.status).toBe(400);
      expect(err).toMatchObject({ code: 'unsupported_parameter', param: 'n' });
      expect(await gw.waitForRow(err)).toMatchObject({ status: 400, errorType: 'unsupported_parameter', provider: 'deepseek' });
    }
    expect(fakes.deepseek!.requests.length).toBe(before);
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: hi, n: 1 });
    expect(sent('deepseek').n).toBe(1);
  });

  test('usage with prompt_cache_hit_tokens reaches the client as cached_tokens', async () => {
    const r = await client.chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: hi });
    expect(r.usage).toMatchObject({ prompt_tokens: 24, completion_tokens: 58, prompt_tokens_details: { cached_tokens: 16 } });
    expect((r.usage as any).prompt_cache_hit_tokens).toBe(16); // provider extras stay
  });
});

describe('Moonshot', () => {
  test('temperature above its [0, 1] range is clamped; values inside it are kept', async () => {
    await client.chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: hi, temperature: 1.7 });
    expect(sent('moonshot').temperature).toBe(1);
    await client.chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: hi, temperature: 0.6 });
    expect(sent('moonshot').temperature).toBe(0.6);
  });

  test('kimi-k2.6 (its sampling is fixed: temperature 1 thinking, 0.6 not; top_p 0.95; no penalties) gets none of them, so a client that sets them is not refused', async () => {
    // Kimi refuses any other value: "invalid temperature: only 1 is allowed for this model".
    const fixed: Record<string, unknown> = { top_p: 0.95, presence_penalty: 0, frequency_penalty: 0 };
    fakes.moonshot!.handler = (_req, rec, fake) => {
      const b = rec.body;
      if (b.model !== 'kimi-k2.6') return replayJson('moonshot', 'chat.json')(_req, rec, fake);
      const temperature = b.thinking?.type === 'disabled' ? 0.6 : 1;
      if (b.temperature !== undefined && b.temperature !== temperature) {
        return jsonResponse({ error: { message: `invalid temperature: only ${temperature} is allowed for this model`, type: 'invalid_request_error' } }, 400);
      }
      for (const [k, v] of Object.entries(fixed)) {
        if (b[k] !== undefined && b[k] !== v) return jsonResponse({ error: { message: `invalid ${k}: only ${v} is allowed for this model`, type: 'invalid_request_error' } }, 400);
      }
      return replayJson('moonshot', 'chat.json')(_req, rec, fake);
    };
    try {
      for (const extra of [{}, { thinking: { type: 'disabled' } }]) {
        const r = await client.chat.completions.create({ model: 'moonshot/kimi-k2.6', messages: hi, temperature: 0.3, top_p: 0.9, presence_penalty: 0.5, frequency_penalty: 0.2, ...extra } as any);
        expect(r.choices[0]!.message.content).toBe('Hello! How can I help?');
        const body = sent('moonshot');
        for (const k of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']) expect({ k, sent: k in body }).toEqual({ k, sent: false });
      }
      // Other Kimi models keep what they can take.
      await client.chat.completions.create({ model: 'moonshot/kimi-k2-thinking', messages: hi, temperature: 0.8, top_p: 0.9 });
      expect(sent('moonshot')).toMatchObject({ temperature: 0.8, top_p: 0.9 });
    } finally {
      fakes.moonshot!.handler = replayJson('moonshot', 'chat.json');
    }
  });

  test('stream usage inside choices[0].usage is lifted to the top-level usage OpenAI clients read', async () => {
    fakes.moonshot!.handler = replay('moonshot', 'text.chunks.txt');
    const stream = await client.chat.completions.create({
      model: 'moonshot/kimi-k2-0905-preview', stream: true, stream_options: { include_usage: true }, messages: hi,
    });
    const withUsage: any[] = [];
    for await (const chunk of stream) {
      if (chunk.usage) withUsage.push(chunk);
      expect((chunk.choices[0] as any)?.usage).toBeUndefined();
    }
    expect(withUsage).toHaveLength(1);
    expect(withUsage[0].usage).toMatchObject({ prompt_tokens: 19, completion_tokens: 13, total_tokens: 32, prompt_tokens_details: { cached_tokens: 8 } });
  });

  test('without include_usage the lifted usage is removed from the finish chunk', async () => {
    fakes.moonshot!.handler = replay('moonshot', 'text.chunks.txt');
    const stream = await client.chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', stream: true, messages: hi });
    let finish: string | null = null;
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe('stop'); // the chunk itself still arrives
  });
});

describe('xAI Grok', () => {
  test('completion_tokens excludes reasoning at xAI; clients get it included (OpenAI convention)', async () => {
    const raw = fixtureJson('grok', 'chat.json').usage;
    expect(raw.completion_tokens).toBe(9);
    const { data: r, response } = await client.chat.completions.create({ model: 'grok/grok-3-mini', messages: hi }).withResponse();
    expect(r.usage).toMatchObject({
      prompt_tokens: 32, completion_tokens: 103, total_tokens: 135,
      completion_tokens_details: { reasoning_tokens: 94 }, prompt_tokens_details: { cached_tokens: 6 },
    });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ completionTokens: 103, reasoningTokens: 94 });
  });
});

describe('xAI Grok reasoning models', () => {
  // xAI's words: "presencePenalty, frequencyPenalty and stop parameters are not supported by
  // reasoning models. Adding them in the request would result in an error", and reasoning_effort
  // only on the models with an effort dial (grok-3-mini, grok-4.3, grok-4.20-multi-agent).
  const reasoning = (m: string) => /^grok-(3-mini|4|code)/.test(m) && !m.includes('non-reasoning');
  const effortDial = (m: string) => /^grok-(3-mini|4\.3|4\.20-multi-agent)/.test(m);
  const refuse = (error: string) => jsonResponse({ code: 'Client specified an invalid argument', error }, 400);
  beforeAll(() => {
    fakes.grok!.handler = (req, rec, fake) => {
      const b = rec.body;
      if (reasoning(b.model)) {
        for (const [k, name] of [['presence_penalty', 'presencePenalty'], ['frequency_penalty', 'frequencyPenalty'], ['stop', 'stop']]) {
          if (b[k!] !== undefined) return refuse(`Argument not supported on this model: ${name}`);
        }
      }
      if (b.reasoning_effort !== undefined && !effortDial(b.model)) return refuse(`Model ${b.model} does not support parameter reasoningEffort.`);
      return replayJson('grok', 'chat.json')(req, rec, fake);
    };
  });
  afterAll(() => {
    fakes.grok!.handler = replayJson('grok', 'chat.json');
  });

  test('penalties are left out (sampling hints, as temperature for OpenAI reasoning models); an effort dial keeps reasoning_effort', async () => {
    for (const model of ['grok-4.3', 'grok-3-mini', 'grok-4-1-fast-reasoning', 'grok-code-fast-1']) {
      await client.chat.completions.create({ model: `grok/${model}`, messages: hi, presence_penalty: 0.5, frequency_penalty: 0.3, temperature: 0.4 });
      const body = sent('grok');
      expect({ model, presence: 'presence_penalty' in body, frequency: 'frequency_penalty' in body, temperature: body.temperature }).toEqual({ model, presence: false, frequency: false, temperature: 0.4 });
    }
    await client.chat.completions.create({ model: 'grok/grok-4.3', messages: hi, reasoning_effort: 'high' });
    expect(sent('grok').reasoning_effort).toBe('high');
  });

  test('reasoning_effort is left out for a model that reasons without a dial (grok-4, grok-4-1-fast...)', async () => {
    for (const model of ['grok-4', 'grok-4-1-fast-reasoning', 'grok-4.20-0309-reasoning']) {
      const r = await client.chat.completions.create({ model: `grok/${model}`, messages: hi, reasoning_effort: 'high' });
      expect(r.choices[0]!.message.content).toBe('Hello! How can I help?');
      expect({ model, sent: 'reasoning_effort' in sent('grok') }).toEqual({ model, sent: false });
    }
  });

  test('stop on a reasoning model is a 400 unsupported_parameter before any call (leaving it out would change the answer)', async () => {
    const before = fakes.grok!.requests.length;
    const err = await apiError(client.chat.completions.create({ model: 'grok/grok-4.3', messages: hi, stop: ['\nObservation:'] }));
    expect(err.status).toBe(400);
    expect(err).toMatchObject({ code: 'unsupported_parameter', param: 'stop' });
    expect(fakes.grok!.requests.length).toBe(before);
  });

  test('non-reasoning models keep penalties and stop', async () => {
    for (const model of ['grok-3', 'grok-4-fast-non-reasoning']) {
      await client.chat.completions.create({ model: `grok/${model}`, messages: hi, presence_penalty: 0.5, stop: ['END'] });
      expect(sent('grok')).toMatchObject({ presence_penalty: 0.5, stop: ['END'] });
    }
  });
});

describe('Ollama', () => {
  test('max_completion_tokens is sent as max_tokens', async () => {
    await client.chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi, max_completion_tokens: 64 });
    expect(sent('ollama').max_tokens).toBe(64);
    expect('max_completion_tokens' in sent('ollama')).toBe(false);
  });

  test("an assistant turn's reasoning_content goes back to Ollama as its own `reasoning` field (its OpenAI endpoint reads no other)", async () => {
    const call = { id: 'call_x1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    await client.chat.completions.create({
      model: 'ollama/gpt-oss:20b',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: '', tool_calls: [call], reasoning_content: 'I should call get_weather.' } as any,
        { role: 'tool', tool_call_id: 'call_x1', content: '{"temp_c": 18}' },
      ],
    });
    const assistant = sent('ollama').messages[1];
    expect(assistant).toMatchObject({ role: 'assistant', reasoning: 'I should call get_weather.', tool_calls: [call] });
    expect('reasoning_content' in assistant).toBe(false);
  });

  test("on /v1/messages an assistant turn's thinking block goes back to Ollama as `reasoning` too", async () => {
    const res = await gw.fetch('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({
        model: 'ollama/gpt-oss:20b', max_tokens: 256,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'I should call get_weather.', signature: '' }, { type: 'tool_use', id: 'call_x1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_x1', content: '{"temp_c": 18}' }] },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(sent('ollama').messages.find((m: any) => m.role === 'assistant')).toMatchObject({ reasoning: 'I should call get_weather.', tool_calls: [{ id: 'call_x1' }] });
  });

  test('its `reasoning` field reaches clients as reasoning_content (non-stream)', async () => {
    const r = await client.chat.completions.create({ model: 'ollama/qwen3:8b', messages: hi });
    const m = r.choices[0]!.message as any;
    expect(m.reasoning_content).toBe('The user says hello.');
    expect(m.reasoning).toBeUndefined();
  });

  test('a remote image on a host that is not allowed is refused with 400 param image_url', async () => {
    const img = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('x', { headers: { 'content-type': 'image/png' } }) });
    try {
      const before = fakes.ollama!.requests.length;
      const err = await client.chat.completions
        .create({
          model: 'ollama/qwen3:8b',
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `http://127.0.0.1:${img.port}/a.png` } }] }],
        })
        .catch((e) => e);
      expect(err.status).toBe(400);
      expect(err.param).toBe('image_url');
      expect(fakes.ollama!.requests.length).toBe(before);
    } finally {
      img.stop(true);
    }
  });
});
