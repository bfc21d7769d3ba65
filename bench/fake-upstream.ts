/**
 * An OpenAI-compatible upstream for benchmarks: POST {/v1,}/chat/completions answers a JSON
 * chat.completion, or with `stream: true` an SSE stream of N content chunks, a finish chunk,
 * a usage chunk (when `stream_options.include_usage`, as OpenAI does) and `[DONE]`.
 * Responses are prebuilt so the upstream costs as little CPU as possible: on a 2-core box
 * everything it burns is taken from the proxy being measured.
 *
 * Run alone: `bun bench/fake-upstream.ts --port 0 --chunks 20 --latency-ms 0 [--chunk-delay-ms 0]`; it prints
 * `{"port":N}` on its first stdout line. GET /__stats returns `{"chat":<requests seen>}`.
 */
import { parseArgs } from 'node:util';

export interface FakeUpstreamOptions {
  port?: number;
  /** Content chunks per stream (plus the role, finish and usage chunks). */
  chunks?: number;
  /** Fixed delay before the response headers, like an upstream's time to first token. */
  latencyMs?: number;
  /** When set, the content chunks come one at a time this far apart (a stream in progress), not all at once. */
  chunkDelayMs?: number;
}

const MODEL = 'gpt-4o-mini';
const USAGE = { prompt_tokens: 12, completion_tokens: 20, total_tokens: 32, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };

function completionJson(): string {
  return JSON.stringify({
    id: 'chatcmpl-bench', object: 'chat.completion', created: 1_700_000_000, model: MODEL, system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! This is a benchmark answer of about twenty tokens, fixed.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: USAGE,
  });
}

function streamParts(chunks: number): { body: Uint8Array; usage: Uint8Array; events: Uint8Array[] } {
  const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: MODEL, system_fingerprint: 'fp_bench' };
  const ev = (o: object) => `data: ${JSON.stringify({ ...base, ...o })}\n\n`;
  const parts = [ev({ choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] })];
  for (let i = 0; i < chunks; i++) parts.push(ev({ choices: [{ index: 0, delta: { content: ` tok${i}` }, logprobs: null, finish_reason: null }] }));
  parts.push(ev({ choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] }));
  const usage = ev({ choices: [], usage: USAGE }) + 'data: [DONE]\n\n';
  const enc = new TextEncoder();
  return { body: enc.encode(parts.join('')), usage: enc.encode(usage), events: parts.map((p) => enc.encode(p)) };
}

export function startFakeUpstream(opts: FakeUpstreamOptions = {}) {
  const latency = opts.latencyMs ?? 0;
  const json = completionJson();
  const { body: streamBody, usage: usageTail, events } = streamParts(opts.chunks ?? 20);
  const chunkDelay = opts.chunkDelayMs ?? 0;
  const done = new TextEncoder().encode('data: [DONE]\n\n');
  let chat = 0;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: opts.port ?? 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/__stats') return Response.json({ chat });
      if (req.method === 'GET' && path.endsWith('/models')) return Response.json({ object: 'list', data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'bench' }] });
      if (req.method !== 'POST' || !path.endsWith('/chat/completions')) return new Response('not found', { status: 404 });
      chat++;
      // A real upstream parses the body; so does this one, to keep the comparison honest.
      const body = (await req.json()) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
      if (latency) await sleep(latency);
      if (!body.stream) return new Response(json, { headers: { 'content-type': 'application/json' } });
      const tail = body.stream_options?.include_usage ? usageTail : done;
      if (chunkDelay) {
        let i = 0;
        const paced = new ReadableStream<Uint8Array>({
          async pull(c) {
            if (i > 0) await sleep(chunkDelay);
            if (i < events.length) c.enqueue(events[i++]!);
            else (c.enqueue(tail), c.close());
          },
        });
        return new Response(paced, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
      }
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(streamBody);
          c.enqueue(tail);
          c.close();
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    },
  });
  return server;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, chunks: { type: 'string', default: '20' }, 'latency-ms': { type: 'string', default: '0' }, 'chunk-delay-ms': { type: 'string', default: '0' } } });
  const server = startFakeUpstream({ port: Number(values.port), chunks: Number(values.chunks), latencyMs: Number(values['latency-ms']), chunkDelayMs: Number(values['chunk-delay-ms']) });
  console.log(JSON.stringify({ port: server.port }));
}
