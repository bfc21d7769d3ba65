/** What the upstream client (upstream-client.ts) writes for a request: its head and body as bytes. */
/** A provider call as the clients take it (send-upstream.ts). */
export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
/** Set by the client itself; an adapter's copy is dropped. */
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive']);
const encoder = new TextEncoder();
const USER_AGENT = `Bun/${Bun.version}`;

/** The request's bytes: head and body in one buffer (one write). Throws TypeError on a header fetch would refuse. */
export function requestBytes(url: URL, req: UpstreamRequest): Uint8Array {
  let head = `${req.method} ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  let hasAccept = false;
  let hasEncoding = false;
  let hasAgent = false;
  for (const name in req.headers) {
    const value = String(req.headers[name]);
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) throw new TypeError(`invalid upstream request header ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (OWN_HEADERS.has(lower)) continue;
    if (lower === 'accept') hasAccept = true;
    else if (lower === 'accept-encoding') hasEncoding = true;
    else if (lower === 'user-agent') hasAgent = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasAccept) head += 'accept: */*\r\n';
  if (!hasEncoding) head += 'accept-encoding: identity\r\n';
  if (!hasAgent) head += `user-agent: ${USER_AGENT}\r\n`;
  const hasBody = req.body !== undefined || (req.method !== 'GET' && req.method !== 'HEAD');
  if (!hasBody) return encoder.encode(`${head}connection: keep-alive\r\n\r\n`);
  const body = req.body ?? '';
  return encoder.encode(`${head}connection: keep-alive\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
