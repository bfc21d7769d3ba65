/**
 * A fake OpenAI-compatible upstream on raw TCP (Bun.listen), so it can fail the ways a real one
 * does below HTTP: close the socket before the headers, cut a chunked body, go silent. It answers
 * /chat/completions, /responses (OpenAI's own shape) and /embeddings from the recorded fixtures,
 * and picks its fault per request from the `chaos-<n>` tag in the body (the plan of that request).
 */
import type { Socket } from 'bun';
import { fixtureJson, readChunks } from '../helpers/fake-upstream';

export const FAULTS = ['ok', '429', '500', 'close-before-headers', 'close-mid', 'stall', 'malformed', 'error-event'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosUpstream {
  url: string;
  /** Requests received (every attempt the gateway made here). */
  hits: number;
  close(): void;
}

interface Conn {
  buf: Buffer;
  busy: boolean;
  closed: boolean;
}

const CHAT_CHUNKS = readChunks('openai', 'text.chunks.txt');
const RESPONSE_EVENTS = readChunks('responses', 'openai-response-stream.chunks.txt');
const CHAT_JSON = JSON.stringify(fixtureJson('openai', 'chat.json'));
const RESPONSE_JSON = JSON.stringify(fixtureJson('responses', 'openai-response.json'));
const EMBEDDING_JSON = JSON.stringify({
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 4, total_tokens: 4 },
});

/** The SSE frames of a normal stream for this path. */
function streamFrames(path: string): string[] {
  if (path.endsWith('/responses')) return RESPONSE_EVENTS.map((d) => `event: ${JSON.parse(d).type}\ndata: ${d}\n\n`);
  return [...CHAT_CHUNKS.map((d) => `data: ${d}\n\n`), 'data: [DONE]\n\n'];
}

function errorFrame(path: string): string {
  if (path.endsWith('/responses')) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'chaos: upstream failed mid-stream', param: null, sequence_number: 3 })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message: 'chaos: upstream failed mid-stream', type: 'server_error', param: null, code: null } })}\n\n`;
}

const MALFORMED_FRAME = 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"\n\n';

function head(status: number, reason: string, headers: Record<string, string>): string {
  return `HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function jsonAnswer(status: number, reason: string, body: string, extra: Record<string, string> = {}): string {
  return head(status, reason, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra }) + body;
}

const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

export function startChaosUpstream(index: number, faultOf: (tag: number, upstream: number) => Fault, gapMs = 15): ChaosUpstream {
  const sockets = new Set<Socket<Conn>>();
  const self: ChaosUpstream = { url: '', hits: 0, close: () => {} };

  const write = (s: Socket<Conn>, text: string) => {
    if (!s.data.closed) s.write(text);
  };
  const done = (s: Socket<Conn>) => {
    s.data.busy = false;
    drain(s);
  };

  /** A stream of frames, one every gapMs; `at` 2 the fault strikes (after the first good frames went out). */
  const stream = (s: Socket<Conn>, path: string, fault: Fault) => {
    write(s, head(200, 'OK', { 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' }));
    const frames = streamFrames(path);
    let i = 0;
    const next = () => {
      if (s.data.closed) return;
      if (i === 2 && fault !== 'ok') {
        if (fault === 'close-mid') return s.end();
        if (fault === 'stall') return; // silent until the gateway hangs up
        if (fault === 'error-event') {
          write(s, chunk(errorFrame(path)) + '0\r\n\r\n');
          return done(s);
        }
        if (fault === 'malformed') write(s, chunk(MALFORMED_FRAME));
      }
      if (i >= frames.length) {
        write(s, '0\r\n\r\n');
        return done(s);
      }
      write(s, chunk(frames[i++]!));
      setTimeout(next, gapMs);
    };
    next();
  };

  const answer = (s: Socket<Conn>, path: string, body: string) => {
    self.hits++;
    const tag = /chaos-(\d+)/.exec(body);
    const fault = tag ? faultOf(Number(tag[1]), index) : 'ok';
    let streaming = false;
    try {
      streaming = JSON.parse(body).stream === true;
    } catch {}
    const whole = path.endsWith('/responses') ? RESPONSE_JSON : path.endsWith('/embeddings') ? EMBEDDING_JSON : CHAT_JSON;
    switch (fault) {
      case 'close-before-headers':
        return s.end();
      case '429':
        write(s, jsonAnswer(429, 'Too Many Requests', JSON.stringify({ error: { message: 'chaos: rate limited', type: 'requests', param: null, code: 'rate_limit_exceeded' } }), { 'retry-after': '1' }));
        return done(s);
      case '500':
        write(s, jsonAnswer(500, 'Internal Server Error', JSON.stringify({ error: { message: 'chaos: server error', type: 'server_error', param: null, code: null } })));
        return done(s);
    }
    if (streaming) return stream(s, path, fault);
    if (fault === 'ok') {
      write(s, jsonAnswer(200, 'OK', whole));
      return done(s);
    }
    if (fault === 'malformed') {
      write(s, jsonAnswer(200, 'OK', whole.slice(0, whole.length >> 1)));
      return done(s);
    }
    if (fault === 'error-event') {
      write(s, jsonAnswer(200, 'OK', JSON.stringify({ error: { message: 'chaos: error in a 200', type: 'server_error', param: null, code: null } })));
      return done(s);
    }
    // close-mid and stall: the headers promise the whole body, half of it comes.
    write(s, head(200, 'OK', { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) }) + whole.slice(0, whole.length >> 1));
    if (fault === 'close-mid') setTimeout(() => s.end(), gapMs);
  };

  /** Takes the next whole request off the connection's buffer (the gateway sends content-length bodies). */
  const drain = (s: Socket<Conn>) => {
    if (s.data.busy || s.data.closed) return;
    const buf = s.data.buf;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
    const [, path = ''] = lines[0]!.split(' ');
    const lenLine = lines.find((l) => l.toLowerCase().startsWith('content-length:'));
    const len = lenLine ? Number(lenLine.slice(15).trim()) : 0;
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len).toString('utf8');
    s.data.buf = buf.subarray(end + 4 + len);
    s.data.busy = true;
    answer(s, path, body);
  };

  const listener = Bun.listen<Conn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: Buffer.alloc(0), busy: false, closed: false };
        sockets.add(s);
      },
      data(s, bytes) {
        s.data.buf = Buffer.concat([s.data.buf, bytes]);
        drain(s);
      },
      close(s) {
        s.data.closed = true;
        sockets.delete(s);
      },
      error(s) {
        s.data.closed = true;
      },
    },
  });
  self.url = `http://127.0.0.1:${listener.port}`;
  self.close = () => {
    for (const s of sockets) s.terminate();
    listener.stop(true);
  };
  return self;
}
