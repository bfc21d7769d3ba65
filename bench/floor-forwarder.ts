/**
 * The bare forwarder (bench/forwarder.ts) plus, step by step, the work any gateway with the
 * GopherGate's features must do per request, whatever its code: what `bun bench/floor.ts` uses
 * to show where the floor under the gateway's CPU per request is. Steps (comma-separated, each
 * adds to the ones before it in this order):
 *
 * - `parse`:   parse the JSON body, set the concrete model, serialise it again for the upstream
 * - `abort`:   an AbortController on the upstream fetch, wired to the client's request signal,
 *              and a timeout timer, both cleared when the answer is in
 * - `read`:    JSON: read the upstream answer whole and parse it (usage); stream: read its first
 *              chunk before answering, then relay through a JS stream (so a failure can become
 *              an error event)
 * - `headers`: six more response headers (the x-gophergate-* ones and CORS)
 *
 * `bun bench/floor-forwarder.ts --upstream http://127.0.0.1:PORT --steps parse,abort` prints `{"port":N}`.
 */
import { parseArgs } from 'node:util';

export type FloorStep = 'parse' | 'abort' | 'read' | 'headers';
const utf8 = new TextDecoder();
const EXTRA_HEADERS = {
  'x-gophergate-overhead-ms': '0.05', 'x-gophergate-model': 'gpt-4o-mini', 'x-gophergate-provider': 'openai',
  'x-gophergate-route': 'openai-auto>gpt-4o-mini', 'access-control-allow-origin': '*', 'access-control-expose-headers': 'x-gophergate-model',
};

function relayFrom(reader: ReadableStreamDefaultReader<Uint8Array>, first: Uint8Array | null): ReadableStream<Uint8Array> {
  let pending = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        if (pending) {
          c.enqueue(pending);
          pending = null;
          return;
        }
        const r = await reader.read();
        if (r.done) c.close();
        else c.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

export function startFloorForwarder(upstream: string, steps: ReadonlySet<FloorStep>, port = 0) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    async fetch(req) {
      const url = new URL(req.url);
      let body: ArrayBuffer | string = await req.arrayBuffer();
      let stream = false;
      if (steps.has('parse')) {
        const o = JSON.parse(utf8.decode(body));
        stream = o.stream === true;
        o.model = 'gpt-4o-mini';
        body = JSON.stringify(o);
      }
      let controller: AbortController | undefined;
      let timer: Timer | undefined;
      const onClientAbort = () => controller?.abort();
      if (steps.has('abort')) {
        controller = new AbortController();
        req.signal.addEventListener('abort', onClientAbort, { once: true });
        timer = setTimeout(() => controller!.abort(), 600_000);
      }
      const res = await fetch(upstream + url.pathname, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-floor' },
        body,
        signal: controller?.signal,
      });
      const done = () => {
        if (timer) clearTimeout(timer);
        if (controller) req.signal.removeEventListener('abort', onClientAbort);
      };
      const headers: Record<string, string> = { 'content-type': res.headers.get('content-type') ?? 'application/json' };
      if (steps.has('headers')) Object.assign(headers, EXTRA_HEADERS);
      if (steps.has('read') && !stream) {
        const bytes = await res.bytes();
        JSON.parse(utf8.decode(bytes));
        done();
        return new Response(bytes, { status: res.status, headers });
      }
      if (steps.has('read')) {
        const reader = res.body!.getReader();
        const first = await reader.read();
        done();
        return new Response(relayFrom(reader, first.done ? null : first.value), { status: res.status, headers });
      }
      done();
      return new Response(res.body, { status: res.status, headers });
    },
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, steps: { type: 'string', default: '' }, port: { type: 'string', default: '0' } } });
  if (!values.upstream) throw new Error('--upstream http://127.0.0.1:PORT is required');
  const steps = new Set(values.steps!.split(',').filter(Boolean) as FloorStep[]);
  console.log(JSON.stringify({ port: startFloorForwarder(values.upstream, steps, Number(values.port)).port }));
}
