/**
 * /v1/responses bridged from a Gemini answer whose parts are text, functionCall, text: the output
 * items follow the model's order (message, function_call, message), in the JSON answer as in the
 * stream, as /v1/messages keeps it (text-after-call.test.ts). Replays Gemini's generateContent JSON
 * and its stream; the openai SDK over real HTTP; one log row per request, found by x-request-id.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { expectValidEvents } from '../responses/responses-rig';
import { expectConsistentItems } from '../responses/stream-invariants';
import { AFTER, BEFORE, CALL, parsedParts, textCallTextGemini, weatherCall as call } from './text-call-text-rig';
import { chatToResponse } from '../../src/responses/chat-to-response';
import { responseSkeleton } from '../../src/responses/response-skeleton';

let gemini: FakeUpstream;
let gw: TestGateway;
let openai: OpenAI;

beforeAll(async () => {
  gemini = textCallTextGemini();
  gw = await startGateway({ env: providerEnv('gemini', gemini.url) });
  openai = gw.openai();
});
afterAll(async () => {
  await gw.close();
  gemini.close();
});

const params: OpenAI.Responses.ResponseCreateParamsNonStreaming = {
  model: 'gemini/gemini-2.5-flash',
  store: false,
  tools: [{ type: 'function', name: 'get_weather', strict: false, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  input: 'Weather in Paris? Do I need an umbrella?',
};

/** The items a client reads, without the ids the gateway makes per response (and per call: Gemini sends none). */
const shape = (output: OpenAI.Responses.ResponseOutputItem[]) =>
  output.map((o): unknown =>
    o.type === 'function_call'
      ? { type: o.type, name: o.name, args: JSON.parse(o.arguments), status: o.status }
      : o.type === 'message'
        ? { type: o.type, status: o.status, text: o.content.map((c) => (c.type === 'output_text' ? c.text : c.type)).join('|') }
        : { type: o.type },
  );

const expected: unknown[] = [
  { type: 'message', status: 'completed', text: BEFORE.text },
  { type: 'function_call', name: CALL.functionCall.name, args: CALL.functionCall.args, status: 'completed' },
  { type: 'message', status: 'completed', text: AFTER.text },
];

test("JSON: message, function_call, message in Gemini's order; the output_text is the texts in order; one row", async () => {
  const { data: r, response } = await openai.responses.create(params).withResponse();
  expect(shape(r.output)).toEqual(expected);
  expect(r.output_text).toBe(BEFORE.text + AFTER.text);
  expect(new Set(r.output.map((o) => o.id)).size).toBe(3);
  expect(gemini.last().path).toContain(':generateContent');
  expect(await gw.waitForRow(response.headers.get('x-request-id')!)).toMatchObject({ endpoint: 'responses', status: 200, provider: 'gemini', stream: false });
});

test('streamed: the same items in the same order as the JSON answer, events consistent and valid; one row', async () => {
  const whole = await openai.responses.create(params);
  const res = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ ...params, stream: true }) });
  const events = (await res.text())
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)));
  expectValidEvents(events);
  expectConsistentItems(events);
  const final = events.at(-1);
  expect(final.type).toBe('response.completed');
  expect(shape(final.response.output)).toEqual(shape(whole.output));
  expect(await gw.waitForRow(res)).toMatchObject({ endpoint: 'responses', status: 200, provider: 'gemini', stream: true });

  const sdk = await openai.responses.stream({ ...params, stream: true }).finalResponse();
  expect(shape(sdk.output)).toEqual(expected);
});

test('pure: runs of text between several calls, a call first, and the one call a client allowed', () => {
  const items = (parts: object[], one = false) => {
    const completion = parsedParts(parts, one);
    const r = chatToResponse(completion as any, responseSkeleton({ model: 'gemini/gemini-2.5-flash', input: 'x' }, 'resp_1', 'gemini-2.5-flash', 1));
    return r.output.map((o) => (o.type === 'message' ? (o.content[0] as any).text : o.type === 'function_call' ? JSON.parse(o.arguments).city : o.type));
  };
  expect(items([{ text: 'A' }, { text: 'B' }, call('Paris'), call('Tokyo'), { text: 'C' }, { text: 'D' }])).toEqual(['AB', 'Paris', 'Tokyo', 'CD']);
  expect(items([call('Paris'), { text: 'After' }])).toEqual(['Paris', 'After']);
  expect(items([{ text: 'A' }, call('Paris'), { text: 'B' }, call('Tokyo'), { text: 'C' }])).toEqual(['A', 'Paris', 'B', 'Tokyo', 'C']);
  // parallel_tool_calls false: the later call is gone, the text after it stays after the kept call.
  expect(items([{ text: 'A' }, call('Paris'), { text: 'B' }, call('Tokyo'), { text: 'C' }], true)).toEqual(['A', 'Paris', 'B', 'C']);
  // No text after a call: unmarked, as before (the message, then the calls).
  expect(items([{ text: 'A' }, call('Paris'), call('Tokyo')])).toEqual(['A', 'Paris', 'Tokyo']);
});
