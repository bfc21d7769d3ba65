/**
 * Hostile HTTP/1.1 on the wire, over raw sockets to the gateway as users run it: malformed request
 * lines, oversized or malformed headers, Content-Length / Transfer-Encoding conflicts (request
 * smuggling attempts), broken chunk framing, pipelining, CR/LF/NUL in headers that could reach an
 * upstream request, odd Authorization headers. Bun's own parser refuses most of these before the
 * app runs (a bare 4xx and a closed connection, as HTTP demands); what it lets through must never
 * reach a provider as anything but the gateway's own request. Behaviour of Bun's server the
 * project cannot change is described in SECURITY.md ("HTTP parsing"); tests pinning it say so.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { connect } from 'node:net';
import { okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { exchange as rawExchange, statusesOf } from '../helpers/raw-http';
import { startGateway, type TestGateway } from '../helpers/start-gateway';

setDefaultTimeout(60_000);

let gw: TestGateway;
let openai: FakeUpstream;
let anthropic: FakeUpstream;
beforeAll(async () => {
  openai = startFakeUpstream((_req, rec) => okCompletion(rec.body?.model ?? 'gpt-4o-mini'));
  anthropic = startFakeUpstream(() =>
    Response.json({
      id: 'msg_01', type: 'message', role: 'assistant', model: 'claude-3-5-haiku-20241022', content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 },
    }),
  );
  gw = await startGateway({
    env: {
      LLM_PROXY__PROVIDERS__OPENAI__BASE_URL: `${openai.url}/v1`, OPENAI_API_KEY: 'sk-wire-openai-0123456789',
      LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url, ANTHROPIC_API_KEY: 'sk-ant-wire-0123456789',
    },
  });
});
afterAll(async () => {
  await gw.close();
  openai.close();
  anthropic.close();
});

const exchange = (data: string | Uint8Array, ms?: number) => rawExchange(gw.url, data, ms);
const CHAT_BODY = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
/** A chat request smuggled inside another; its content marks it should it ever reach a provider. */
const SMUGGLED = (key: string) => {
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'SMUGGLED' }] });
  return `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
};
const chatHead = (key: string, extra: string) =>
  `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\n${extra}`;
const chunked = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n0\r\n\r\n`;
const smuggledReachedUpstream = () => [...openai.requests, ...anthropic.requests].some((r) => JSON.stringify(r.body).includes('SMUGGLED'));

async function expectStillServing() {
  const res = await gw.fetch('/v1/chat/completions', { method: 'POST', body: CHAT_BODY });
  expect(res.status).toBe(200);
  await gw.waitForRow(res);
}

describe('refused by the HTTP parser before the app runs: a 4xx, the connection closed, nothing logged or sent upstream', () => {
  test('malformed request lines, oversized headers, framing conflicts and CR/LF/NUL in header values', async () => {
    const c = gw.addClient('wire-refused');
    const big = 'a'.repeat(100_000);
    const cases: [string, string, number][] = [
      ['not a request line', 'GARBAGE\r\n\r\n', 400],
      ['no HTTP version', 'GET /health\r\n\r\n', 505],
      ['HTTP/2.0 in an HTTP/1 line', 'GET /health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n', 505],
      ['space inside the target', 'GET /he alth HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 505],
      ['NUL inside the target', 'GET /health\0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 505],
      ['2,000 headers', `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${Array.from({ length: 2000 }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`, 431],
      ['one 100 KB header', `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${big}\r\n\r\n`, 431],
      ['a 100 KB Authorization', chatHead(big, `Content-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 431],
      ['two different Content-Lengths', chatHead(c.key, `Content-Length: ${CHAT_BODY.length}\r\nContent-Length: 4\r\n\r\n${CHAT_BODY}`), 400],
      ['a Content-Length list', chatHead(c.key, `Content-Length: ${CHAT_BODY.length}, ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
      ['a negative Content-Length', chatHead(c.key, `Content-Length: -1\r\n\r\n${CHAT_BODY}`), 400],
      ['a Content-Length past 2^64', chatHead(c.key, `Content-Length: 99999999999999999999999\r\n\r\n${CHAT_BODY}`), 400],
      ['Content-Length with chunked (CL.TE)', chatHead(c.key, `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(CHAT_BODY)}${SMUGGLED(c.key)}`), 400],
      ['chunked with Content-Length (TE.CL)', chatHead(c.key, `Transfer-Encoding: chunked\r\nContent-Length: ${CHAT_BODY.length + 7}\r\n\r\n${chunked(CHAT_BODY)}${SMUGGLED(c.key)}`), 400],
      ['Transfer-Encoding: xchunked', chatHead(c.key, `Transfer-Encoding: xchunked\r\n\r\n${chunked(CHAT_BODY)}`), 400],
      ['Transfer-Encoding: chunked, identity', chatHead(c.key, `Transfer-Encoding: chunked, identity\r\n\r\n${chunked(CHAT_BODY)}`), 400],
      ['Transfer-Encoding twice', chatHead(c.key, `Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(CHAT_BODY)}`), 400],
      ['a space before the colon', chatHead(c.key, `Transfer-Encoding : chunked\r\n\r\n${chunked(CHAT_BODY)}`), 400],
      ['a folded header line', chatHead(c.key, `x-note: a\r\n b\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
      ['a bare LF inside a header value', chatHead(c.key, `anthropic-beta: a\nx-injected: 1\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
      ['a bare CR inside a header value', chatHead(c.key, `anthropic-beta: a\rx-injected: 1\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
      ['a NUL inside a header value', chatHead(c.key, `anthropic-version: 2023\0x\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
      ['a NUL inside the Authorization', chatHead(`${c.key}\0`, `Content-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`), 400],
    ];
    const sent = openai.requests.length;
    for (const [name, data, status] of cases) {
      const r = await exchange(data);
      expect({ name, statuses: statusesOf(r.text), closed: r.closed }).toEqual({ name, statuses: [status], closed: true });
      expect(r.text).toContain('Connection: close');
    }
    expect(openai.requests.length).toBe(sent);
    expect(smuggledReachedUpstream()).toBe(false);
    expect(gw.logs.filter((l) => l.clientId === c.id)).toEqual([]);
    await expectStillServing();
  });
});

describe('framing the app sees', () => {
  test('chunk framing that breaks mid-body (size overflow, negative, bare LF): Bun answers 400 and closes; the row says 499', async () => {
    const c = gw.addClient('wire-chunks');
    const bodies = [
      `5\r\n${CHAT_BODY.slice(0, 5)}\r\nffffffffffffffffff1\r\n${CHAT_BODY}\r\n0\r\n\r\n`,
      `-5\r\n${CHAT_BODY}\r\n0\r\n\r\n`,
      `7fffffffffffffff\r\n${CHAT_BODY}\r\n0\r\n\r\n`,
      `${CHAT_BODY.length.toString(16)}\n${CHAT_BODY}\n0\n\n`,
    ];
    const sent = openai.requests.length;
    for (const body of bodies) {
      const r = await exchange(chatHead(c.key, `Transfer-Encoding: chunked\r\n\r\n${body}`));
      expect({ body: body.slice(0, 20), statuses: statusesOf(r.text), closed: r.closed }).toEqual({ body: body.slice(0, 20), statuses: [400], closed: true });
    }
    // The handler had started reading: each request left one row. Bun reports the broken framing
    // to the app as the connection closing (an AbortError, like a client hanging up), so the row
    // says 499 client_closed_request, not 400 (SECURITY.md, "HTTP parsing").
    const rows = await gw.waitForClientRows(c.id, bodies.length);
    await Bun.sleep(200); // a second row per request would be written by now
    expect(gw.logs.filter((l) => l.clientId === c.id).length).toBe(bodies.length);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(bodies.length);
    for (const row of rows) expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', endpoint: 'chat' });
    expect(openai.requests.length).toBe(sent);
    await expectStillServing();
  });

  test('a chunk extension, a tab after the colon and an identical repeated Content-Length are valid HTTP and served', async () => {
    for (const extra of [
      `Transfer-Encoding: chunked\r\n\r\n${CHAT_BODY.length.toString(16)};ext=1\r\n${CHAT_BODY}\r\n0\r\n\r\n`,
      `Transfer-Encoding:\tchunked\r\n\r\n${chunked(CHAT_BODY)}`,
      `Content-Length: ${CHAT_BODY.length}\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`,
    ]) {
      const r = await exchange(chatHead(gw.clientKey, `Connection: close\r\n${extra}`));
      expect(statusesOf(r.text)).toEqual([200]);
      const id = /x-request-id: (\S+)/i.exec(r.text)![1]!;
      expect((await gw.waitForRow(id)).status).toBe(200);
    }
  });

  test('trailer fields after the last chunk are taken for a next request: a bare 400, closed, the request itself aborted (499); a request hidden there is never dispatched', async () => {
    // Bun does not read a trailer section: its first line is parsed as the next request's line
    // while this one's answer is pending, so it goes as pipelining does (SECURITY.md, "HTTP parsing").
    const c = gw.addClient('wire-trailers');
    const sent = openai.requests.length;
    const trailers = ['X-Checksum: 1\r\n\r\n', SMUGGLED(c.key)];
    for (const trailer of trailers) {
      const r = await exchange(chatHead(c.key, `Transfer-Encoding: chunked\r\n\r\n${CHAT_BODY.length.toString(16)}\r\n${CHAT_BODY}\r\n0\r\n${trailer}`));
      expect({ trailer: trailer.slice(0, 12), statuses: statusesOf(r.text), closed: r.closed }).toEqual({ trailer: trailer.slice(0, 12), statuses: [400], closed: true });
    }
    const rows = await gw.waitForClientRows(c.id, trailers.length);
    await Bun.sleep(200);
    expect(gw.logs.filter((l) => l.clientId === c.id)).toHaveLength(trailers.length);
    for (const row of rows) expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request', endpoint: 'chat' });
    expect(openai.requests.length - sent).toBeLessThanOrEqual(trailers.length);
    expect(smuggledReachedUpstream()).toBe(false);
    await expectStillServing();
  });

  test('a request smuggled as the bytes after a Content-Length body never reaches a provider under the first request', async () => {
    const c = gw.addClient('wire-smuggle');
    const sent = openai.requests.length;
    const r = await exchange(chatHead(c.key, `Content-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}${SMUGGLED(c.key)}`));
    // The bytes after the body are a second, pipelined request, never part of the first. Bun
    // closes a connection whose next request arrives while an async answer is pending, without
    // answering either (oven-sh/bun#38128; SECURITY.md, "HTTP parsing"): the first request's row
    // says the client went away, and the second is never dispatched.
    expect(r.closed).toBe(true);
    expect(statusesOf(r.text)).toEqual([]);
    const [row] = await gw.waitForClientRows(c.id, 1);
    expect(row).toMatchObject({ status: 499, errorType: 'client_closed_request' });
    await Bun.sleep(200);
    expect(gw.logs.filter((l) => l.clientId === c.id).length).toBe(1);
    // The first request may have reached the provider before the close; the smuggled one never does.
    expect(openai.requests.length - sent).toBeLessThanOrEqual(1);
    expect(smuggledReachedUpstream()).toBe(false);
    await expectStillServing();
  });
});

describe('headers a provider could see', () => {
  test("only the gateway's own headers go upstream: not the client's Authorization, x-request-id or other headers", async () => {
    const body = JSON.stringify({ model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      body,
      headers: {
        'x-api-key': gw.clientKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01',
        'anthropic-beta': 'tools-2024-04-04, oauth-2025-04-20', 'x-request-id': 'client-chosen-id',
        'x-forwarded-for': '10.0.0.1', cookie: 'a=b', 'x-evil': '1',
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).not.toBe('client-chosen-id');
    await gw.waitForRow(res);
    const up = anthropic.last().headers;
    expect(up['x-api-key']).toBe('sk-ant-wire-0123456789');
    expect(up['anthropic-beta']).toBe('tools-2024-04-04');
    expect(up['anthropic-version']).toBe('2023-06-01');
    for (const name of ['authorization', 'x-request-id', 'x-forwarded-for', 'cookie', 'x-evil']) expect({ name, sent: name in up }).toEqual({ name, sent: false });
    expect(JSON.stringify(up)).not.toContain(gw.clientKey);
  });

  test('bytes past ASCII in a header that may go upstream are 400 naming it, in the endpoint\'s shape, one row, nothing sent', async () => {
    // Bun's parser passes such bytes on as Latin-1 characters; forwarded, they reached the provider re-encoded as UTF-8.
    const messages = JSON.stringify({ model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    const chat = JSON.stringify({ model: 'anthropic/claude-3-5-haiku-20241022', messages: [{ role: 'user', content: 'hi' }] });
    const sent = anthropic.requests.length;
    for (const [path, body, header, shape] of [
      ['/v1/messages', messages, 'anthropic-beta', 'anthropic'],
      ['/v1/messages', messages, 'anthropic-version', 'anthropic'],
      ['/v1/messages/count_tokens', messages, 'anthropic-beta', 'anthropic'],
      ['/v1/chat/completions', chat, 'anthropic-beta', 'openai'],
    ] as const) {
      const head = `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.clientKey}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${body.length}\r\n${header}: tools-`;
      const r = await exchange(new Uint8Array([...Buffer.from(head, 'latin1'), 0xff, 0xc3, ...Buffer.from(`\r\n\r\n${body}`)]));
      expect({ path, header, statuses: statusesOf(r.text) }).toEqual({ path, header, statuses: [400] });
      const json = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4));
      const error = json.error;
      expect(error.message).toBe(`The '${header}' header must be printable ASCII.`);
      if (shape === 'anthropic') expect(json.type).toBe('error');
      else expect(error.param).toBe(header);
      const id = /x-request-id: (\S+)/i.exec(r.text)![1]!;
      expect((await gw.waitForRow(id)).status).toBe(400);
    }
    expect(anthropic.requests.length).toBe(sent);
  });
});

describe('odd Authorization headers', () => {
  test('other schemes, two keys, a bare scheme or bytes past ASCII are 401 in OpenAI shape; spacing and case of Bearer are forgiven', async () => {
    const refused = [`Basic ${btoa(`:${gw.clientKey}`)}`, `Token ${gw.clientKey}`, 'Bearer', 'Bearer ', `Bearer ${gw.clientKey} extra`, `${gw.clientKey}`, `Bearer ${gw.clientKey}, Bearer ${gw.clientKey}`];
    for (const authorization of refused) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: CHAT_BODY, headers: { authorization, 'content-type': 'application/json' } });
      const body = (await res.json()) as any;
      expect({ authorization: authorization.slice(0, 12), status: res.status, type: body.error?.type }).toEqual({ authorization: authorization.slice(0, 12), status: 401, type: 'authentication_error' });
    }
    const high = await exchange(new Uint8Array([...Buffer.from(chatHead('', ''), 'latin1').subarray(0, -2), ...Buffer.from('\r\n'), ...Buffer.from('Authorization: Bearer '), 0xff, 0xfe, ...Buffer.from(`\r\nConnection: close\r\nContent-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`)]));
    expect(statusesOf(high.text)).toEqual([401]);
    expect(high.text).toContain('"type":"authentication_error"');
    for (const authorization of [`bearer   ${gw.clientKey}  `, `BEARER\t${gw.clientKey}`]) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: CHAT_BODY, headers: { authorization, 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      await gw.waitForRow(res);
    }
  });
});

describe('connections that never finish a request head, or half-close (Bun\'s behaviour, pinned; SECURITY.md "HTTP parsing")', () => {
  /** Opens a connection, writes `first`, then one byte of `trickle` every 300 ms; resolves with what came back once closed. */
  function hang(first: string, trickle = ''): Promise<string> {
    return new Promise((resolve) => {
      const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
      let text = '';
      let i = 0;
      const timer = trickle ? setInterval(() => socket.write(trickle[i++ % trickle.length]!), 300) : undefined;
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve(text);
      });
      if (first) socket.write(first);
      // Only bounds a failure: Bun's limit is ~10 s, whatever LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S says.
      setTimeout(() => socket.destroy(), 40_000).unref();
    });
  }

  test('nothing sent, a partial request line, a header trickled a byte at a time: closed without an answer, nothing logged, others served', async () => {
    const c = gw.addClient('wire-slowloris');
    const hanging = Promise.all([
      hang(''),
      hang('POST /v1/chat/comp'),
      hang(chatHead(c.key, 'x-slow: '), 'abcdefgh'),
    ]);
    // Meanwhile other clients are served as usual.
    await expectStillServing();
    expect(await hanging).toEqual(['', '', '']);
    expect(gw.logs.filter((l) => l.clientId === c.id)).toEqual([]);
  }, 60_000);

  test('a client that half-closes after writing its whole request is taken for one that left: no answer, one 499 row', async () => {
    // HTTP allows a client to shut its sending side and still read the answer; Bun closes the
    // connection at the client's FIN and aborts the request. Clients that do this (netcat, some
    // scripts) get nothing; SDKs, curl and reverse proxies do not half-close.
    const c = gw.addClient('wire-half-close');
    const text = await new Promise<string>((resolve) => {
      const socket = connect({ port: Number(new URL(gw.url).port), host: '127.0.0.1', allowHalfOpen: true });
      let got = '';
      socket.on('data', (d) => (got += d.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => resolve(got));
      socket.end(chatHead(c.key, `Content-Length: ${CHAT_BODY.length}\r\n\r\n${CHAT_BODY}`));
    });
    expect(text).toBe('');
    const rows = await gw.waitForClientRows(c.id, 1);
    await Bun.sleep(200);
    expect(gw.logs.filter((l) => l.clientId === c.id)).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 499, errorType: 'client_closed_request' });
  });
});
