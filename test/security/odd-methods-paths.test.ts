/**
 * HTTP a sloppy client or a scanner sends, beyond the body: HEAD on every route, a CORS preflight
 * on every /v1 route, paths spelled oddly (a trailing slash, dot segments, doubled or encoded
 * slashes, capitals), TRACE and CONNECT, query strings on POST routes, `Expect: 100-continue`,
 * chunked bodies past the size cap, several requests one after another on one keep-alive
 * connection, and HTTP/1.0 clients. A /v1 request served has exactly one log row; a path that is
 * no route is the unknown route's 404 in OpenAI's shape, with no row (README).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { checkAnswer, checkOneRow } from '../fuzz/fuzz-http-kit';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { answersOf, exchange, requestHead, statusesOf } from '../helpers/raw-http';
import type { TestGateway } from '../helpers/start-gateway';
import { CHAT, MESSAGE, useHostileRig } from './hostile-http-rig';

setDefaultTimeout(60_000);

let gw: TestGateway;
let openai: FakeUpstream;
let storedId: string;
useHostileRig((rig) => ({ gw, openai, storedId } = rig), { LLM_PROXY__SERVER__MAX_BODY_MB: '1' });

const auth = () => `Authorization: Bearer ${gw.clientKey}`;
/** A POST with a JSON body, as raw bytes (so the path reaches the gateway exactly as written). */
const rawPost = (path: string, body: string, extra: string[] = []) =>
  requestHead('POST', path, [auth(), 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, ...extra]) + body;

/** Rows of request `id` once the writer had its turn (a row, if any, lands within it). */
async function rowsOf(id: string): Promise<number> {
  await Bun.sleep(100);
  return gw.logs.filter((l) => l.requestId === id).length;
}

const POST_ROUTES = ['/v1/chat/completions', '/v1/responses', '/v1/messages', '/v1/messages/count_tokens', '/v1/embeddings', '/v1/images/generations'];

describe('HEAD', () => {
  test('on every GET route: the GET\'s status and type, no body', async () => {
    const routes = ['/health', '/metrics', '/v1/models', '/v1/models/gpt-4o-mini', '/v1/models/no-such-model', `/v1/responses/${storedId}`, `/v1/responses/${storedId}/input_items`, '/v1/responses/resp_missing'];
    for (const path of routes) {
      const get = await gw.fetch(path);
      await get.arrayBuffer();
      const head = await gw.fetch(path, { method: 'HEAD' });
      expect({ path, status: head.status, type: head.headers.get('content-type'), body: await head.text() }).toEqual({ path, status: get.status, type: get.headers.get('content-type'), body: '' });
    }
  });

  test('on the POST routes: the unknown route\'s 404, nothing logged, nothing sent upstream', async () => {
    const sent = openai.requests.length;
    for (const path of POST_ROUTES) {
      const res = await gw.fetch(path, { method: 'HEAD' });
      expect({ path, status: res.status, body: await res.text() }).toEqual({ path, status: 404, body: '' });
      expect(await rowsOf(res.headers.get('x-request-id')!)).toBe(0);
    }
    expect(openai.requests.length).toBe(sent);
  });
});

describe('CORS preflight', () => {
  test('every /v1 route, the stored-response reads, deletes and cancels included: 204 allowing GET, POST and DELETE from any origin', async () => {
    const routes = [...POST_ROUTES, '/v1/models', '/v1/models/gpt-4o-mini', `/v1/responses/${storedId}`, `/v1/responses/${storedId}/input_items`, `/v1/responses/${storedId}/cancel`];
    for (const path of routes) {
      const res = await fetch(`${gw.url}${path}`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization, x-api-key, anthropic-version' } });
      expect({ path, status: res.status }).toEqual({ path, status: 204 });
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')!.split(/,\s*/)).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE']));
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, x-api-key, anthropic-version');
      // A preflight carries no key: no request id, no row.
      expect(res.headers.get('x-request-id')).toBeNull();
    }
  });
});

describe('paths spelled oddly', () => {
  test('a trailing slash, dot segments and a query string on a POST route are the route itself: served, one row', async () => {
    const cases: [string, string, string][] = [
      ['/v1/chat/completions/', CHAT, 'chat'],
      ['/v1/./chat/completions', CHAT, 'chat'],
      ['/v1/x/../chat/completions', CHAT, 'chat'],
      ['/v1/chat/completions?model=gpt-4o&stream=true', CHAT, 'chat'],
      ['/v1/messages/', MESSAGE, 'messages'],
      ['/v1/messages/count_tokens/', MESSAGE, 'count_tokens'],
      ['/v1/embeddings/?dimensions=9', JSON.stringify({ model: 'mock/embed', input: 'a' }), 'embeddings'],
    ];
    for (const [path, body, endpoint] of cases) {
      const [answer] = answersOf((await exchange(gw.url, rawPost(path, body, ['Connection: close']))).text);
      expect({ path, status: answer?.status }).toEqual({ path, status: 200 });
      // The query string is not read: the body's model and stream stand.
      expect(answer!.headers['content-type']).toContain('application/json');
      const row = await gw.waitForRow(answer!.headers['x-request-id']!);
      expect(row).toMatchObject({ endpoint, model: endpoint === 'embeddings' ? 'mock/embed' : 'mock/echo', status: 200 });
    }
  });

  test('capitals, doubled or encoded slashes and other near misses are the unknown route\'s 404 in OpenAI\'s shape, with an id and no row', async () => {
    const sent = openai.requests.length;
    const paths = ['/V1/chat/completions', '/v1/Chat/Completions', '/v1//chat/completions', '//v1/chat/completions', '/v1/chat%2Fcompletions', '/v1/chat/completions%20', '/v1/chat/completions;x=1', '/v1/chat/completions.json', '/v1/responses//cancel', '/v1/responses/%2e%2e', `/v1/responses/${storedId}/cancel/x`];
    for (const path of paths) {
      const [answer] = answersOf((await exchange(gw.url, rawPost(path, CHAT, ['Connection: close']))).text);
      expect({ path, status: answer?.status }).toEqual({ path, status: 404 });
      const body = JSON.parse(answer!.body);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found', param: null });
      expect(body.error.message).toStartWith('Invalid URL (POST ');
      // Under /v1 the 404 names a fresh request id (README), which has no row.
      const id = answer!.headers['x-request-id'];
      expect({ path, id: path.startsWith('/v1') ? typeof id : 'n/a' }).toEqual({ path, id: path.startsWith('/v1') ? 'string' : 'n/a' });
      if (id) expect(await rowsOf(id)).toBe(0);
    }
    expect(openai.requests.length).toBe(sent);
  });

  test('TRACE, CONNECT (authority-form too) and PROPFIND, after requests with the same Host: a 4xx in OpenAI\'s shape, never a 500, nothing sent', async () => {
    // A served request first, so the Host is one the gateway has already seen (host-header.ts
    // skips the URL check for it; CONNECT's authority-form URL is no http:// URL: it was a 500).
    const [served] = answersOf((await exchange(gw.url, requestHead('GET', '/v1/models', [auth(), 'Connection: close']))).text);
    expect(served!.status).toBe(200);
    const sent = openai.requests.length;
    for (const [method, target] of [['CONNECT', '127.0.0.1:443'], ['CONNECT', 'api.openai.com:443'], ['CONNECT', '/v1/chat/completions'], ['TRACE', '/v1/chat/completions'], ['TRACE', '/'], ['PROPFIND', '/v1/models']]) {
      const [answer] = answersOf((await exchange(gw.url, requestHead(method!, target!, [auth(), 'Connection: close']))).text);
      expect({ method, target, client: answer!.status >= 400 && answer!.status < 500 }).toEqual({ method, target, client: true });
      expect(JSON.parse(answer!.body).error).toMatchObject({ type: 'invalid_request_error', param: null });
    }
    expect(openai.requests.length).toBe(sent);
  });

  test('a request line past Bun\'s limit (a 70 KB query string) is a bare 431 and a closed connection', async () => {
    const r = await exchange(gw.url, requestHead('GET', `/v1/models?${'a'.repeat(70_000)}`, [auth()]));
    expect({ statuses: statusesOf(r.text), closed: r.closed }).toEqual({ statuses: [431], closed: true });
  });
});

describe('Expect: 100-continue', () => {
  const expectHead = (path: string, headers: string[]) => requestHead('POST', path, ['Content-Type: application/json', 'Expect: 100-continue', ...headers]);

  test('with its body: 100 Continue, then the answer and one row', async () => {
    const r = await exchange(gw.url, expectHead('/v1/chat/completions', [auth(), 'Connection: close', `Content-Length: ${CHAT.length}`]) + CHAT);
    expect(statusesOf(r.text)).toEqual([100, 200]);
    const [answer] = answersOf(r.text);
    expect(await gw.waitForRow(answer!.headers['x-request-id']!)).toMatchObject({ status: 200, endpoint: 'chat' });
  });

  test('a body too large, a missing key or an empty body: the endpoint\'s own error, in its shape, without waiting for a body', async () => {
    const cases: { path: string; headers: string[]; status: number; shape: 'openai' | 'anthropic'; rows: number }[] = [
      { path: '/v1/chat/completions', headers: [auth(), 'Content-Length: 209715200'], status: 413, shape: 'openai', rows: 1 },
      { path: '/v1/messages', headers: [`x-api-key: ${gw.clientKey}`, 'Content-Length: 209715200'], status: 413, shape: 'anthropic', rows: 1 },
      { path: '/v1/embeddings', headers: ['Content-Length: 20'], status: 401, shape: 'openai', rows: 0 },
      { path: '/v1/messages', headers: ['Content-Length: 20'], status: 401, shape: 'anthropic', rows: 0 },
      // An empty body is read whole: the connection may stay open, so this client closes it.
      { path: '/v1/responses', headers: [auth(), 'Connection: close', 'Content-Length: 0'], status: 400, shape: 'openai', rows: 1 },
    ];
    for (const c of cases) {
      // Nothing of the body is sent: the answer must not wait for it, and a body left unread closes the connection.
      const r = await exchange(gw.url, expectHead(c.path, c.headers), 10_000);
      const what = `${c.path} ${c.headers.at(-1)}`;
      expect({ what, closed: r.closed }).toEqual({ what, closed: true });
      // Bun sends 100 Continue itself, before the gateway sees the request; the final answer follows.
      expect(statusesOf(r.text).filter((s) => s !== 100)).toEqual([c.status]);
      const [answer] = answersOf(r.text);
      const res = new Response(answer!.body, { status: answer!.status, headers: answer!.headers });
      await checkAnswer(res, c.shape, what);
      const id = answer!.headers['x-request-id'];
      if (c.rows) expect(await gw.waitForRow(id!)).toMatchObject({ status: c.status });
      else expect(id).toBeUndefined();
    }
  });
});

describe('a chunked body past LLM_PROXY__SERVER__MAX_BODY_MB (no Content-Length to refuse it by)', () => {
  test('every /v1 POST route: 413 in its own shape once the cap is passed, one row', async () => {
    for (const path of POST_ROUTES) {
      const piece = new Uint8Array(64 * 1024).fill(0x78);
      let n = 0;
      // 1.25 MB in 64 KB chunks, never ended: the answer must come from the cap, not from the end of the body.
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (n++ === 0) c.enqueue(new TextEncoder().encode('{"model":"mock/echo","prompt":"'));
          else if (n <= 21) c.enqueue(piece);
        },
      });
      const res = await gw.fetch(path, { method: 'POST', body, duplex: 'half' } as RequestInit);
      const shape = path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
      const { body: error } = await checkAnswer(res, shape, path);
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
      expect(shape === 'anthropic' ? error.error.type : error.error.code).toBe('request_too_large');
      await checkOneRow(gw, res, path);
    }
  });
});

describe('one keep-alive connection', () => {
  test('requests of every kind written one after another are each answered, each /v1 POST with one row', async () => {
    const requests = [
      rawPost('/v1/chat/completions', CHAT),
      rawPost('/v1/messages', MESSAGE),
      rawPost('/v1/chat/completions', '{"model":"mock/echo","messages":['),
      rawPost('/v1/embeddings', JSON.stringify({ model: 'mock/embed', input: 'a' })),
      requestHead('GET', '/v1/models', [auth()]),
      rawPost('/v1/messages', '{}', ['anthropic-version: 2023-06-01']),
      rawPost('/v1/chat/completions', CHAT, ['Connection: close']),
    ];
    // Each request is written once the answer before it is in: pipelining is another matter (SECURITY.md, "HTTP parsing").
    const text = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
      let got = '';
      let sent = 1;
      socket.on('data', (d) => {
        got += d.toString('latin1');
        if (answersOf(got).length === sent && sent < requests.length) socket.write(requests[sent++]!);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(got));
      socket.write(requests[0]!);
      setTimeout(() => socket.destroy(), 30_000).unref();
    });
    const answers = answersOf(text);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400, 200, 200, 400, 200]);
    expect(JSON.parse(answers[5]!.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const ids = answers.filter((_, i) => i !== 4).map((a) => a.headers['x-request-id']!);
    expect(new Set(ids).size).toBe(6);
    for (const id of ids) await gw.waitForRow(id); // throws on a second row
    expect(answers[4]!.headers['x-request-id']).toBeUndefined();
  });
});

describe('HTTP/1.0 clients', () => {
  test('with and without keep-alive, whole and streamed: answered, closed after the answer, a stream not chunk-framed, one row each', async () => {
    const STREAM = JSON.stringify({ model: 'mock/echo', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for (const [body, keepAlive] of [[CHAT, false], [CHAT, true], [STREAM, false], [STREAM, true]] as const) {
      const head = `POST /v1/chat/completions HTTP/1.0\r\nHost: 127.0.0.1\r\n${auth()}\r\nContent-Type: application/json\r\n${keepAlive ? 'Connection: keep-alive\r\n' : ''}Content-Length: ${body.length}\r\n\r\n`;
      const r = await exchange(gw.url, head + body);
      const label = { stream: body === STREAM, keepAlive };
      // Bun does not keep an HTTP/1.0 connection open; the answer's end is the connection's close.
      expect({ ...label, statuses: statusesOf(r.text), closed: r.closed }).toEqual({ ...label, statuses: [200], closed: true });
      const [headText, rest] = [r.text.slice(0, r.text.indexOf('\r\n\r\n')), r.text.slice(r.text.indexOf('\r\n\r\n') + 4)];
      expect(headText).not.toMatch(/transfer-encoding/i);
      if (body === STREAM) expect({ ...label, starts: rest.startsWith('data: '), done: rest.trimEnd().endsWith('data: [DONE]') }).toEqual({ ...label, starts: true, done: true });
      else expect(JSON.parse(rest).object).toBe('chat.completion');
      expect((await gw.waitForRow(/x-request-id: (\S+)/i.exec(headText)![1]!)).status).toBe(200);
    }
  });
});
