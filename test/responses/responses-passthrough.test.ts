import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { rawJsonResponse, sseEventsResponse as sse } from '../helpers/fake-upstream';
import type { TestGateway } from '../helpers/start-gateway';
import { until } from '../helpers/until';
import { fixture, lines, useResponsesRig } from './responses-rig';
import { drainStream, piecesResponse } from '../helpers/stream-pieces';

let gw: TestGateway;
let client: OpenAI;
const { replies, openai } = useResponsesRig((g) => {
  gw = g;
  client = g.openai();
});

describe('POST /v1/responses, OpenAI pass-through', () => {
  test('non-stream: body and answer unmodified, usage logged', async () => {
    const raw = await fixture('openai-response.json');
    replies['openai /v1/responses'] = () => rawJsonResponse(raw);
    const body = { model: 'gpt-5-mini', instructions: 'Be brief.', input: 'Hi', tools: [{ type: 'web_search' }], store: false };
    const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(raw);
    expect(res.headers.get('x-gophergate-provider')).toBe('openai');
    expect(openai.requests.at(-1)!.body).toEqual(body);
    expect(openai.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-openai');

    const { data: viaSdk, response } = await client.responses.create({ model: 'gpt-5-mini', input: 'Hi' }).withResponse();
    expect(viaSdk.output_text).toBe('Hi! How can I help?');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ provider: 'openai', model: 'gpt-5-mini', status: 200, promptTokens: 21, completionTokens: 78, reasoningTokens: 64 });
  });

  test('stream: every event relayed as sent, usage from response.completed', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    replies['openai /v1/responses'] = () => sse(events);
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true }).withResponse();
    const got: any[] = [];
    for await (const e of stream) got.push(e);
    expect(got).toEqual(events.map((e) => JSON.parse(e.data)));
    expect(openai.requests.at(-1)!.body).toEqual({ model: 'gpt-4o-mini', input: 'Hello', stream: true });
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ stream: true, status: 200, promptTokens: 9, completionTokens: 7, error: null });
  });

  test('a stream cut before response.completed bills the prompt and the text it delivered (estimated), not nothing', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const delivered = events.filter((e) => e.event === 'response.output_text.delta').map((e) => JSON.parse(e.data).delta).join('');
    expect(delivered.length).toBeGreaterThan(0);
    // The upstream breaks off after the text, before its terminal event with the usage.
    replies['openai /v1/responses'] = () => sse(events.slice(0, -3));
    const instructions = 'You are a terse assistant that answers in one short sentence.';
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', instructions, input: 'Hello there', stream: true }).withResponse();
    // It ends with an error event (the SDK throws it), not as if the answer were whole.
    const { got, failure } = await drainStream<any>(stream);
    expect(failure?.message).toContain('ended the stream before its terminal event');
    expect(got.map((e) => e.type)).not.toContain('response.completed');
    const row = await gw.waitForRow(response);
    expect(row).toMatchObject({ stream: true, estimated: true, status: 502 });
    // Counted by the tokenizer: the instructions, the input and per-message framing; the delivered text.
    expect(row.promptTokens).toBeGreaterThan(12);
    expect(row.completionTokens).toBeGreaterThan(0);
    expect(row.costUsd).toBeGreaterThan(0);

    // The client hangs up after the first text delta: billed what it got, status 499.
    let cancelled = false;
    replies['openai /v1/responses'] = () =>
      new Response(
        new ReadableStream({
          start(c) {
            for (const e of events.slice(0, 5)) c.enqueue(new TextEncoder().encode(`event: ${e.event}\ndata: ${e.data}\n\n`));
          },
          cancel() {
            cancelled = true;
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello there', stream: true }).withResponse();
    for await (const e of second.data) if (e.type === 'response.output_text.delta') break;
    const cut = await gw.waitForRow(second.response);
    expect(cut).toMatchObject({ stream: true, status: 499, estimated: true });
    expect(cut.completionTokens).toBeGreaterThan(0);
    expect(cut.promptTokens).toBeGreaterThan(0);
    await until(() => cancelled); // and the upstream call was given up
  });
});

describe("OpenAI's stream through the relay", () => {
  test('byte for byte, whatever its framing: comments, CRLF line ends, events split across reads (multi-byte characters too) or sharing one', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const frames = events.map((e, i) => {
      const data = i === 3 ? e.data.replace('"delta":"', '"delta":"héllo ☃ ') : e.data;
      return i === 2 ? `event: ${e.event}\r\ndata: ${data}\r\n\r\n` : `event: ${e.event}\ndata: ${data}\n\n`;
    });
    const sse = `: OpenAI keep-alive\n\n${frames.slice(0, 4).join('')}: another comment\n\n${frames.slice(4).join('')}`;
    const bytes = new TextEncoder().encode(sse);
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 29) pieces.push(bytes.slice(at, at + 29));
    replies['openai /v1/responses'] = () => piecesResponse(pieces);
    const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(sse);
    expect(await gw.waitForRow(res)).toMatchObject({ stream: true, status: 200, promptTokens: 9, completionTokens: 7, error: null });

    replies['openai /v1/responses'] = () => piecesResponse([frames.slice(0, 3).join(''), frames.slice(3).join('')]);
    const together = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    expect(await together.text()).toBe(frames.join(''));
  });

  test('cut in the middle of an event: the client gets the events before it whole, then the error event alone (not joined to half an event)', async () => {
    const events = (await lines('openai-response-stream.chunks.txt')).map((data) => ({ event: JSON.parse(data).type, data }));
    const frames = events.map((e) => `event: ${e.event}\ndata: ${e.data}\n\n`);
    const half = frames[5]!.slice(0, frames[5]!.length / 2);
    replies['openai /v1/responses'] = () => piecesResponse([frames.slice(0, 5).join(''), half]);
    const { data: stream, response } = await client.responses.create({ model: 'gpt-4o-mini', input: 'Hello', stream: true }).withResponse();
    const { got, failure } = await drainStream<any>(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure?.message).toContain('ended the stream before its terminal event');
    expect(got).toEqual(events.slice(0, 5).map((e) => JSON.parse(e.data)));
    expect(await gw.waitForRow(response)).toMatchObject({ stream: true, status: 502 });

    // Read raw: the half event never reaches the client.
    const raw = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'gpt-4o-mini', input: 'Hello', stream: true }) });
    const text = await raw.text();
    const before = frames.slice(0, 5).join('');
    expect(text.startsWith(before)).toBe(true);
    expect(text.slice(before.length)).toMatch(/^event: error\ndata: \{"type":"error","code":"upstream_error",[^\n]*\}\n\n$/);
  });
});
