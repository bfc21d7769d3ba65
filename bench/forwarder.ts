/**
 * The reference: the least a Bun proxy can do. Read the body, forward it with fetch, stream
 * the answer back. No auth, no parsing, no logging; the gateway is measured against this.
 *
 * `bun bench/forwarder.ts --upstream http://127.0.0.1:PORT --port 0` prints `{"port":N}`.
 *
 * With `FORWARDER_RELAY=js` in its environment the answer is read in JavaScript and relayed
 * through a pull stream, as the gateway must (to account and translate it), instead of being
 * handed to Bun untouched: what reading a body in JS costs by itself (BENCHMARKS.md).
 */
import { parseArgs } from 'node:util';

export function startForwarder(upstream: string, port = 0) {
  const relayInJs = process.env.FORWARDER_RELAY === 'js';
  return Bun.serve({
    hostname: '127.0.0.1',
    port,
    async fetch(req) {
      const url = new URL(req.url);
      const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer();
      const headers: Record<string, string> = { 'content-type': req.headers.get('content-type') ?? 'application/json' };
      const auth = req.headers.get('authorization');
      if (auth) headers.authorization = auth;
      const res = await fetch(upstream + url.pathname + url.search, { method: req.method, headers, body });
      if (relayInJs && res.body) {
        const reader = res.body.getReader();
        const relayed = new ReadableStream<Uint8Array>({
          async pull(c) {
            const r = await reader.read();
            if (r.done) c.close();
            else c.enqueue(r.value);
          },
          cancel: (why) => reader.cancel(why),
        }, { highWaterMark: 0 });
        return new Response(relayed, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' } });
      }
      return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' } });
    },
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } });
  if (!values.upstream) throw new Error('--upstream http://127.0.0.1:PORT is required');
  console.log(JSON.stringify({ port: startForwarder(values.upstream, Number(values.port)).port }));
}
