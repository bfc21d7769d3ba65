/**
 * A stream whose whole answer has arrived before the client's body is built (an upstream that
 * answers all at once, after its latency) goes out as its bytes in one piece
 * (proxy/inline-transform.ts reads an arrived body to its end, proxy/stream-relay.ts `whole`): the
 * client gets exactly what a paced stream gives, and the row is the same. Loopback only.
 */
import { expect, test } from 'bun:test';
import { PACED_FROM_BYTES } from '../../src/http/paced-body';
import { bodyArrived, socketFetch } from '../../src/http/upstream-client';
import { inlineTransform } from '../../src/proxy/inline-transform';
import { relayStream } from '../../src/proxy/stream-relay';
import type { StreamAttempt } from '../../src/proxy/open-attempt';
import type { OpenedUpstream } from '../../src/proxy/open-upstream';
import { readChunks, sseResponse, startFakeUpstream } from '../helpers/fake-upstream';
import { rawUpstream } from '../helpers/raw-upstream';
import { providerEnv, startGateway } from '../helpers/start-gateway';

const enc = new TextEncoder();
const dec = new TextDecoder();
const payloads = readChunks('openai', 'text.chunks.txt');
/** The fixture as one HTTP answer, head, chunked body and its end in a single write. */
const wholeAnswer = () => {
  const body = payloads.map((p) => `data: ${p}\n\n`).join('');
  return `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
};

/** A TCP server that answers every request with `answer()` in one write. */
const oneWriteServer = (answer: () => string) => rawUpstream((s) => void s.write(answer()));

async function chatStream(gwUrl: string, key: string, includeUsage: boolean): Promise<{ text: string; id: string }> {
  const res = await fetch(`${gwUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) }),
  });
  expect(res.status).toBe(200);
  return { text: await res.text(), id: res.headers.get('x-request-id')! };
}

/** The SSE data lines with the per-request parts (ids, times) that differ between two answers left out. */
const comparable = (sse: string) => sse.split('\n\n').filter(Boolean).map((e) => e.replace(/"(id|created)":("[^"]*"|\d+)/g, ''));

test('the socket client says when an answer has wholly arrived: not while a stream is open, yes once its end came', async () => {
  const s = oneWriteServer(wholeAnswer);
  try {
    const r = await socketFetch({ url: `${s.url}/v1/chat/completions`, method: 'POST', headers: {}, body: '{}' }, new AbortController().signal);
    expect(bodyArrived(r.body)).toBe(true);
    expect(await r.text()).toContain('[DONE]');
    expect(bodyArrived(null)).toBe(false);
    expect(bodyArrived(new ReadableStream())).toBe(false);
  } finally {
    s.stop();
  }
  const fake = startFakeUpstream(() => sseResponse(payloads, { hangAfter: 1 }));
  try {
    const ac = new AbortController();
    const r = await socketFetch({ url: `${fake.url}/v1/chat/completions`, method: 'POST', headers: {}, body: '{}' }, ac.signal);
    const reader = r.body!.getReader();
    await reader.read();
    expect(bodyArrived(r.body)).toBe(false);
    ac.abort();
  } finally {
    fake.close();
  }
});

test('an arrived body is transformed to its end in one read (flush included); an open one piece by piece', async () => {
  const pieces = ['a', 'b', 'c'];
  const run = async (arrived: boolean) => {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        for (const p of pieces) c.enqueue(enc.encode(p));
        c.close();
      },
    });
    const t: Transformer<Uint8Array, Uint8Array> = {
      transform: (chunk, c) => c.enqueue(enc.encode(dec.decode(chunk).toUpperCase())),
      flush: (c) => c.enqueue(enc.encode('!')),
    };
    const reader = inlineTransform(source.getReader(), t, { touch() {}, arrived: () => arrived });
    const reads: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) reads.push(dec.decode(r.value));
    return reads;
  };
  expect(await run(true)).toEqual(['ABC!']);
  expect(await run(false)).toEqual(['A', 'B', 'C', '!']);
});

test('a relay whose first piece is the whole answer hands its bytes over and is over at once; one with more to come streams it', async () => {
  const run = (first: string, rest: string[]) => {
    const ends: unknown[] = [];
    let disposed = 0;
    const upstream = { touch() {}, awaitClient() {}, abort() {}, dispose: () => void disposed++, failure: (e: unknown) => e } as unknown as OpenedUpstream;
    const queue = rest.map((r) => enc.encode(r));
    const reader = { read: async () => (queue.length ? { done: false as const, value: queue.shift()! } : { done: true as const, value: undefined }), cancel: async () => {} };
    const s = { kind: 'stream', first: enc.encode(first), reader, tally: { usage: null, deliveredText: '', finishReason: 'stop', firstByteAt: null }, upstream } as unknown as StreamAttempt;
    const relayed = relayStream(s, (e) => void ends.push(e));
    return { relayed, ends, disposed: () => disposed };
  };
  const whole = run('data: {"a":1}\n\ndata: [DONE]\n\n', []);
  expect(whole.relayed.whole && dec.decode(whole.relayed.whole)).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  expect(whole.ends).toEqual([{ error: null }]);
  expect(whole.disposed()).toBe(1);
  expect(await new Response(whole.relayed.body).text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');

  // A whole answer too large to hand over at once is relayed as a stream, so a client that stops reading is seen.
  const large = `data: {"a":"${'x'.repeat(PACED_FROM_BYTES)}"}\n\ndata: [DONE]\n\n`;
  const big = run(large, []);
  expect(big.relayed.whole).toBeNull();
  expect(await new Response(big.relayed.body).text()).toBe(large);
  expect(big.ends).toEqual([{ error: null }]);

  const paced = run('data: {"a":1}\n\n', ['data: [DONE]\n\n']);
  expect(paced.relayed.whole).toBeNull();
  expect(paced.ends).toEqual([]);
  expect(await new Response(paced.relayed.body).text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  expect(paced.ends).toEqual([{ error: null }]);
  expect(paced.disposed()).toBe(1);
});

test('through the gateway: an answer that came in one write streams to the client exactly as a paced one, one row each, usage from the upstream or estimated', async () => {
  const whole = oneWriteServer(wholeAnswer);
  const paced = startFakeUpstream(() => sseResponse(payloads, { delayMs: 2 }));
  const gwWhole = await startGateway({ env: providerEnv('openai', `${whole.url}/v1`) });
  const gwPaced = await startGateway({ env: providerEnv('openai', `${paced.url}/v1`) });
  try {
    for (const includeUsage of [true, false]) {
      const a = await chatStream(gwWhole.url, gwWhole.clientKey, includeUsage);
      const b = await chatStream(gwPaced.url, gwPaced.clientKey, includeUsage);
      expect(comparable(a.text)).toEqual(comparable(b.text));
      expect(a.text).toEndWith('data: [DONE]\n\n');
      const [rowA, rowB] = [await gwWhole.waitForRow(a.id), await gwPaced.waitForRow(b.id)];
      expect(rowA).toMatchObject({ status: 200, stream: true, promptTokens: rowB.promptTokens, completionTokens: rowB.completionTokens, costUsd: rowB.costUsd, estimated: rowB.estimated });
    }
  } finally {
    await gwWhole.close();
    await gwPaced.close();
    whole.stop();
    paced.close();
  }
}, 30_000);
