/**
 * The OpenAI Responses pass-through reports to the circuit breaker when the answer ends, not when
 * its headers arrive: an upstream that always dies mid-stream (or mid-body) opens the circuit
 * like any other failing upstream, and a stream that completes counts as a success.
 */
import { afterAll, beforeEach, expect, test } from 'bun:test';
import { fixtureText, startFakeUpstream, type FakeHandler } from '../helpers/fake-upstream';
import { providerEnv, useGateway, type TestGateway } from '../helpers/start-gateway';

const EVENTS = fixtureText('responses', 'openai-response-stream.chunks.txt').trim().split('\n');
const openai = startFakeUpstream();
let gw: TestGateway;
useGateway((g) => void (gw = g), { env: providerEnv('openai', `${openai.url}/v1`) });
afterAll(() => openai.close());
const breakers = () => gw.ctx.breakers;
beforeEach(() => {
  breakers().reset();
  openai.requests.length = 0;
});

/** OpenAI's Responses SSE (`event:` + `data:`), one write per event; cut abruptly after `cutAfter` events. */
const responsesStream = (cutAfter = Infinity): FakeHandler => () => {
  const enc = new TextEncoder();
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      await Bun.sleep(5);
      if (i >= cutAfter) return c.error(new Error('fake upstream cut the stream'));
      if (i >= EVENTS.length) return c.close();
      const data = EVENTS[i++]!;
      c.enqueue(enc.encode(`event: ${JSON.parse(data).type}\ndata: ${data}\n\n`));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
};

const post = (stream: boolean) =>
  gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'openai/gpt-4o-mini', input: 'Hello', stream }) });

/** Every answer of the current test, to find their log rows by. */
let answers: Response[] = [];

/** A streamed pass-through: 200, and the SSE event names the client saw. */
async function streamed(): Promise<string[]> {
  const res = await post(true);
  answers.push(res);
  expect(res.status).toBe(200);
  return [...(await res.text()).matchAll(/^event: (.+)$/gm)].map((m) => m[1]!);
}

async function expectCircuitOpen() {
  expect(breakers().state('openai')).toBe('open');
  const before = openai.requests.length;
  const res = await post(true);
  answers.push(res);
  expect(res.status).toBe(503);
  expect(((await res.json()) as any).error.code).toBe('circuit_open');
  expect(openai.requests.length).toBe(before);
}

test('a Responses stream cut mid-way every time opens the circuit after five', async () => {
  answers = [];
  openai.handler = responsesStream(4);
  for (let i = 0; i < 4; i++) {
    expect((await streamed()).at(-1)).toBe('error');
    expect(breakers().state('openai')).toBe('closed');
  }
  expect((await streamed()).at(-1)).toBe('error');
  await expectCircuitOpen();
  const rows = await Promise.all(answers.map((a) => gw.waitForRow(a)));
  expect(rows.map((r) => r.status)).toEqual([502, 502, 502, 502, 502, 503]);
});

test('a stream that completes is a success: it resets the count of mid-stream failures', async () => {
  for (let round = 0; round < 2; round++) {
    openai.handler = responsesStream(4);
    for (let i = 0; i < 4; i++) expect((await streamed()).at(-1)).toBe('error');
    openai.handler = responsesStream();
    expect((await streamed()).at(-1)).toBe('response.completed');
  }
  // eight mid-stream failures in all, never five in a row
  expect(breakers().state('openai')).toBe('closed');
  expect(openai.requests.length).toBe(10);
});

test('a non-stream answer whose body is cut every time opens the circuit after five', async () => {
  const body = fixtureText('responses', 'openai-response.json');
  openai.handler = () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async pull(c) {
          c.enqueue(new TextEncoder().encode(body.slice(0, 200)));
          await Bun.sleep(5);
          c.error(new Error('fake upstream cut the body'));
        },
      }),
      { headers: { 'content-type': 'application/json', 'content-length': String(body.length) } },
    );
  for (let i = 0; i < 5; i++) {
    const res = await post(false);
    expect(res.status).toBe(502);
    expect(((await res.json()) as any).error.code).toBe('upstream_unreachable');
  }
  await expectCircuitOpen();
});
