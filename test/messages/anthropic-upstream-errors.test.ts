/**
 * /v1/messages to the `anthropic` provider when Anthropic fails: its errors in Anthropic's shape
 * (statuses, retry-after, x-should-retry), the circuit breaker, errors and cuts mid-stream, a
 * client going away; and a pool key Anthropic rate-limits set aside for the next key.
 */
import { describe, expect, test } from 'bun:test';
import Anthropic from '@anthropic-ai/sdk';
import { addProviderKey, deleteProviderKey } from '../../src/admin/provider-keys-service';
import { ProviderKeyPool } from '../../src/key-pool/key-pool';
import { fixtureText, jsonResponse, type FakeUpstream } from '../helpers/fake-upstream';
import { piecesResponse } from '../helpers/stream-pieces';
import type { TestGateway } from '../helpers/start-gateway';
import { anthropicJson, anthropicSse, json, queue, sse } from '../anthropic/fake-anthropic';
import { parseSse } from './messages-helpers';
import { foldSse, idOf, KEY, plain, useAnthropicRig } from './anthropic-rig';

let fake: FakeUpstream;
let gw: TestGateway;
let client: Anthropic;
useAnthropicRig((r) => ({ fake, gw, client } = r));

describe('upstream errors in Anthropic shape', () => {
  const req = { model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user' as const, content: 'Hi' }] };
  const cases = [
    { file: 'error-429.json', status: 429, client: 429, type: 'rate_limit_error' },
    { file: 'error-500.json', status: 500, client: 502, type: 'api_error' },
    { file: 'error-529.json', status: 529, client: 529, type: 'overloaded_error' },
  ];
  for (const c of cases) {
    for (const stream of [false, true]) {
      test(`upstream ${c.status} (${stream ? 'stream' : 'JSON'}) -> ${c.client} ${c.type}; the row records ${c.client}`, async () => {
        fake.handler = json(c.file, c.status);
        const res = await fetch(`${gw.url}/v1/messages`, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
        });
        expect(res.status).toBe(c.client);
        const body = (await res.json()) as any;
        expect(body.type).toBe('error');
        expect(body.error.type).toBe(c.type);
        const row = await gw.waitForRow(idOf(res));
        expect(row).toMatchObject({ endpoint: 'messages', provider: 'anthropic', status: c.client });
      });
    }
  }

  test("Anthropic's 529 with retry-after (JSON and stream): the client's 529 carries it, as an upstream 503's does", async () => {
    for (const stream of [false, true]) {
      fake.handler = json('error-529.json', 529, { 'retry-after': '7' });
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
      });
      expect(res.status).toBe(529);
      expect(res.headers.get('retry-after')).toBe('7');
      expect((await gw.waitForRow(idOf(res))).status).toBe(529);
    }
    fake.handler = json('error-529.json', 529, { 'retry-after': '7' });
    const err = await client.messages.create(req, { maxRetries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.status).toBe(529);
    expect(err.headers.get('retry-after')).toBe('7');
  });

  test("Anthropic's x-should-retry on an error is passed on (JSON and stream), so the SDK does not retry a 5xx Anthropic said not to", async () => {
    for (const stream of [false, true]) {
      fake.handler = json('error-500.json', 500, { 'x-should-retry': 'false' });
      const res = await fetch(`${gw.url}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream }),
      });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect((await gw.waitForRow(idOf(res))).status).toBe(502);
    }
    fake.handler = json('error-500.json', 500, { 'x-should-retry': 'false' });
    const tries: Response[] = [];
    const retrying = new Anthropic({
      apiKey: gw.clientKey, baseURL: gw.url, maxRetries: 2,
      fetch: async (url, init) => {
        const r = await fetch(url, init);
        tries.push(r.clone());
        return r;
      },
    });
    const err = await retrying.messages.create(req).catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err.headers.get('x-should-retry')).toBe('false');
    expect(tries.map((r) => r.status)).toEqual([502]);
    expect((await gw.waitForRow(tries[0]!)).status).toBe(502);
    // Marked retryable: passed on as well.
    fake.handler = json('error-529.json', 529, { 'x-should-retry': 'true' });
    const again = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify(req) });
    expect([again.status, again.headers.get('x-should-retry')]).toEqual([529, 'true']);
    expect((await gw.waitForRow(idOf(again))).status).toBe(529);
  });

  test('repeated upstream failures open the circuit: then a 503 overloaded_error without calling Anthropic', async () => {
    fake.handler = json('error-500.json', 500);
    for (let i = 0; i < 5; i++) expect((await client.messages.create(req).catch((e) => e)).status).toBe(502);
    const before = fake.requests.length;
    const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify(req) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(((await res.json()) as any).error.type).toBe('overloaded_error');
    expect(fake.requests.length).toBe(before);
    expect((await gw.waitForRow(idOf(res))).status).toBe(503);
  });

  test('an error event midway is relayed as Anthropic sent it, once; the SDK throws overloaded', async () => {
    fake.handler = queue(sse('error-midstream.sse'));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    expect(await res.text()).toBe(fixtureText('anthropic', 'error-midstream.sse'));
    const row = await gw.waitForRow(idOf(res));
    expect(row.status).toBe(529);

    fake.handler = queue(sse('error-midstream.sse'));
    const err = await client.messages.stream(req).finalMessage().catch((e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err.message)).toContain('overloaded_error');
  });

  test('a client that goes away mid-stream aborts the Anthropic call; the row says 499', async () => {
    // message_start and content_block_start: the stream has started (message_start alone is held back).
    const first = fixtureText('anthropic', 'text.sse').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
    fake.handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode(first));
          },
          cancel() {
            fake.noteAbort();
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      );
    const aborts = fake.aborts;
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }), signal: ac.signal,
    });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(first);
    ac.abort();
    await fake.waitForAbort(aborts + 1);
    expect((await gw.waitForRow(idOf(res))).status).toBe(499);
  });

  test('a cut stream ends with event: error after what arrived', async () => {
    fake.handler = queue(sse('text.sse', { cutAfter: 4 }));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    const events = parseSse(await res.text());
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
    expect(events.at(-1).error.type).toBe('api_error');
    const row = await gw.waitForRow(idOf(res));
    expect(row.status).toBeGreaterThanOrEqual(500);
  });

  test('a stream cut inside an event: the events before it whole, then the error event alone (not glued to half an event); the SDK raises the API error', async () => {
    const frames = fixtureText('anthropic', 'text.sse').split('\n\n').filter((f) => f.trim()).map((f) => `${f}\n\n`);
    const before = frames.slice(0, 4).join('');
    fake.handler = () => piecesResponse([before, frames[4]!.slice(0, 40)]);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': gw.clientKey }, body: JSON.stringify({ ...req, stream: true }),
    });
    const text = await res.text();
    expect(text.startsWith(before)).toBe(true);
    expect(parseSse(text.slice(before.length))).toEqual([{ type: 'error', error: expect.objectContaining({ type: 'api_error' }) }]);

    const err = await client.messages.stream(req).finalMessage().then(() => null, (e) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.error?.error?.type).toBe('api_error');
  });
});

describe('provider key pool', () => {
  const POOL_KEY = 'sk-ant-pool-key-abcdefghij';
  test('a key Anthropic rate-limits is set aside for the next key (JSON, stream, count_tokens); the row names the key that answered', async () => {
    const added = await addProviderKey(gw.ctx, 'anthropic', { key: POOL_KEY, weight: 1000, label: 'pool' });
    gw.ctx.keyPool = new ProviderKeyPool();
    try {
      const seen: string[] = [];
      fake.handler = (_r, rec) => {
        seen.push(rec.headers['x-api-key']!);
        if (rec.headers['x-api-key'] === POOL_KEY) return jsonResponse(anthropicJson('error-429.json'), 429, { 'retry-after': '60' });
        if (rec.path.endsWith('/count_tokens')) return Response.json({ input_tokens: 7 });
        return rec.body?.stream ? anthropicSse('text.sse') : jsonResponse(anthropicJson('text.json'));
      };
      const { data, response } = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
      expect(data as any).toEqual(anthropicJson('text.json'));
      expect(seen).toEqual([POOL_KEY, KEY]);
      const row = await gw.waitForRow(idOf(response));
      expect(row.providerKeyId).toBe('env');
      expect(JSON.parse(row.attempts!).map((a: any) => [a.status, a.keyId])).toEqual([[429, added.id], [200, 'env']]);
      // The refused key cools down: later messages go straight to the one that answers. Token
      // counting has limits of its own at Anthropic: it still tries the key (refused here too).
      const final = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage();
      expect(plain(final)).toEqual(foldSse('text.sse'));
      expect((await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] })).input_tokens).toBe(7);
      expect(seen).toEqual([POOL_KEY, KEY, KEY, POOL_KEY, KEY]);
      expect((await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi' }] })).input_tokens).toBe(7);
      expect(seen.slice(5)).toEqual([KEY]);
    } finally {
      await deleteProviderKey(gw.ctx, 'anthropic', added.id);
      gw.ctx.keyPool = new ProviderKeyPool();
    }
  });
});
