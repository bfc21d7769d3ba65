/**
 * A Grok model on /v1/responses, passed through to xAI's own Responses API: its server-side tools
 * (web_search, x_search, …) reach it, and the answer comes back as xAI sent it but for xAI's bare
 * response id, which the client sees as `resp_<id>`. The official `openai` client; rows by
 * x-request-id: cost_usd is xAI's figure, computed_cost_usd the price table's (tokens + each
 * search call). Then what xAI may send that is not a clean answer.
 */
import { describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse } from '../helpers/fake-upstream';
import { apiError, type TestGateway } from '../helpers/start-gateway';
import { openaiSchemaErrors } from '../helpers/openai-schema';
import { ANSWER, EVENTS, ID, USAGE, expectBilled, useXaiRig } from './xai-rig';
import { drainStream, piecesResponse } from '../helpers/stream-pieces';

let gw: TestGateway;
const { xai, held, answer } = useXaiRig((g) => (gw = g));

/**
 * An answer checked against OpenAI's Response schema: no deviation beyond those OpenAI's own
 * recorded answer has (its null `safety_identifier` and `prompt_cache_key`, which the spec types as strings).
 */
const OPENAI_OWN = new Set(openaiSchemaErrors('Response', fixtureJson('responses', 'openai-response.json')));
const schemaErrors = (r: unknown) => openaiSchemaErrors('Response', r).filter((e) => !OPENAI_OWN.has(e));


describe('passed through to xAI', () => {
  test("JSON with web_search: the body reaches xAI as sent (model made concrete), the answer comes back as xAI's, its id as OpenAI's (resp_)", async () => {
    const { data, response } = await gw.openai().responses
      .create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }, { type: 'x_search' } as any] })
      .withResponse();
    expect(xai.requests.length).toBe(1);
    const sent = xai.last();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body).toEqual({ model: 'grok-4-fast-non-reasoning', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }, { type: 'x_search' }] });
    expect(sent.headers.authorization).toStartWith('Bearer ');
    expect(data.id).toBe(`resp_${ID}`);
    expect(schemaErrors(JSON.parse(JSON.stringify(data)))).toEqual([]);
    expect(data.output.map((o) => o.type)).toEqual(['web_search_call', 'web_search_call', 'message']);
    expect(data.output_text).toBe('xAI builds Grok; its site is https://x.ai.');
    expect(response.headers.get('x-gophergate-provider')).toBe('grok');
    expectBilled(await gw.waitForRow(response));
    const raw = await gw.openai().responses.create({ model: 'grok-fast', input: 'Again', tools: [{ type: 'web_search' }] }).asResponse();
    expect(await raw.json()).toEqual({ ...JSON.parse(ANSWER), id: `resp_${ID}` });
  });

  test("streamed: xAI's events (the web_search_call ones included) come as sent; the row bills the terminal event's usage", async () => {
    const { data: stream, response } = await gw.openai().responses
      .create({ model: 'grok-fast', input: 'What is the title of x.ai?', tools: [{ type: 'web_search' }], stream: true })
      .withResponse();
    const types: string[] = [];
    let final: any = null;
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.completed') final = e.response;
    }
    expect(types).toEqual(EVENTS.map((e) => JSON.parse(e).type));
    expect(types.filter((t) => t === 'response.web_search_call.searching').length).toBe(2);
    expect(final.usage.cost_in_usd_ticks).toBe(USAGE.cost_in_usd_ticks);
    expect(final.id).toBe(`resp_${ID}`);
    expect(schemaErrors(final)).toEqual([]);
    expect(final.output.map((o: any) => o.id)).toEqual(JSON.parse(ANSWER).output.map((o: any) => o.id));
    expect(xai.last().body.stream).toBe(true);
    const row = await gw.waitForRow(response);
    expect(row.stream).toBe(true);
    expectBilled(row);
  });
});

test("reasoning.effort goes only to the Grok models with an effort dial (xAI refuses it on the others); its summary always", async () => {
  await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', reasoning: { effort: 'high', summary: 'auto' } });
  expect(xai.last().body.reasoning).toEqual({ summary: 'auto' });
  await gw.openai().responses.create({ model: 'grok/grok-4.3', input: 'Hi', reasoning: { effort: 'high', summary: 'auto' } });
  expect([xai.last().body.model, xai.last().body.reasoning]).toEqual(['grok-4.3', { effort: 'high', summary: 'auto' }]);
});

test("xAI's stream in small pieces (events split across reads): the client gets every event whole, in order, the response's id renamed", async () => {
  const sse = EVENTS.map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}\n\n`).join('');
  const bytes = new TextEncoder().encode(sse);
  answer.create = () => {
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (at >= bytes.length) return controller.close();
        await Bun.sleep(1);
        controller.enqueue(bytes.slice(at, (at += 37)));
      },
    });
    return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
  };
  const stream = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', tools: [{ type: 'web_search' }], stream: true });
  const got: any[] = [];
  for await (const e of stream) got.push(e);
  const sent = EVENTS.map((e) => JSON.parse(e));
  expect(got.map((e) => e.sequence_number)).toEqual(sent.map((e) => e.sequence_number));
  // Every event as xAI sent it, but the id of the response the first two and the last carry.
  for (const e of sent) if (e.response) e.response.id = `resp_${ID}`;
  expect(got).toEqual(sent);
});

describe('hostile xAI answers', () => {
  const frames = EVENTS.map((data) => `event: ${JSON.parse(data).type}\ndata: ${data}\n\n`);

  test("cut in the middle of an event: the events before it, whole, then the gateway's error event (the half event is not relayed as one)", async () => {
    answer.create = () => piecesResponse([frames.slice(0, 4).join(''), frames[4]!.slice(0, 60)]);
    const { data: stream, response } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }).withResponse();
    const { got, failure } = await drainStream(stream);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure!.message).toContain('ended the stream before its terminal event');
    expect(got.map((e) => e.sequence_number)).toEqual(EVENTS.slice(0, 4).map((e) => JSON.parse(e).sequence_number));
    expect(await gw.waitForRow(response)).toMatchObject({ provider: 'grok', stream: true, status: 502 });
  });

  test("an error in xAI's shape ({code, error: \"…\"}): sent with 200 as JSON, or as a stream's event, the client hears xAI's words", async () => {
    const words = 'The model grok-4-fast-non-reasoning is overloaded, try again later';
    answer.create = () => jsonResponse({ code: 'Service unavailable', error: words });
    const json = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' }));
    expect(json.status).toBe(502);
    expect(json.message).toContain(words);
    // A group goes on to its next target, as after any failed try.
    const { response } = await gw.openai().responses.create({ model: 'xai-then-deepseek', input: 'Hi' }).withResponse();
    expect(response.headers.get('x-gophergate-provider')).toBe('deepseek');

    // In a stream, after the first events: the relay's error event carries xAI's words, the row its failure.
    answer.create = () => piecesResponse([frames.slice(0, 3).join(''), `data: ${JSON.stringify({ code: 'Service unavailable', error: words })}\n\n`]);
    const { data: stream, response: streamed } = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }).withResponse();
    const { got, failure } = await drainStream(stream);
    expect(got.length).toBe(3);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure!.message).toContain(words);
    const row = await gw.waitForRow(streamed);
    expect(row.status).toBe(502);
    expect(row.error).toContain(words);

    // As the stream's first event (named `error`): the try fails, with xAI's words.
    answer.create = () => piecesResponse([`event: error\ndata: ${JSON.stringify({ code: 'Service unavailable', error: words })}\n\n`]);
    const first = await apiError(gw.openai().responses.create({ model: 'grok-fast', input: 'Hi', stream: true }));
    expect(first.message).toContain(words);
  });

  test('a response id that already starts with resp_, with characters a URL must escape: the client gets resp_<id>, xAI gets exactly its id back', async () => {
    const odd = 'resp_a/b c?d#é';
    held.add(odd);
    answer.create = () => jsonResponse({ ...JSON.parse(ANSWER), id: odd });
    const made = await gw.openai().responses.create({ model: 'grok-fast', input: 'Hi' });
    expect(made.id).toBe(`resp_${odd}`);
    await gw.openai().responses.create({ model: 'grok-fast', input: 'Go on', previous_response_id: made.id });
    expect(xai.last().body.previous_response_id).toBe(odd);
    await gw.openai().responses.retrieve(made.id);
    expect([xai.last().method, decodeURIComponent(xai.last().path)]).toEqual(['GET', `/v1/responses/${odd}`]);
    held.delete(odd);
  });
});
