/**
 * The reference: the least a Bun proxy can do. Read the body, forward it with fetch, stream
 * the answer back. No auth, no parsing, no logging; the gateway is measured against this.
 *
 * `bun bench/forwarder.ts --upstream http://127.0.0.1:PORT --port 0` prints `{"port":N}`.
 */
import { parseArgs } from 'node:util';

export function startForwarder(upstream: string, port = 0) {
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
      return new Response(res.body, { status: res.status, headers: { 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' } });
    },
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } } });
  if (!values.upstream) throw new Error('--upstream http://127.0.0.1:PORT is required');
  console.log(JSON.stringify({ port: startForwarder(values.upstream, Number(values.port)).port }));
}
