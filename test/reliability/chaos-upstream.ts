/**
 * A fake OpenAI-compatible upstream on raw TCP (Bun.listen), so it can fail the ways a real one
 * does below HTTP: close the socket before the headers, cut a chunked body, go silent. It answers
 * /chat/completions, /responses (OpenAI's own shape), /embeddings from the recorded fixtures and
 * Anthropic's /v1/messages, and picks its fault per request from the `chaos-<n>` tag in the body
 * (the plan of that request).
 */
import type { Socket } from 'bun';
import { fixtureJson, fixtureText, readChunks } from '../helpers/fake-upstream';

export const FAULTS = ['ok', '429', '500', 'close-before-headers', 'reset-before-headers', 'stall-before-headers', 'close-mid', 'stall', 'malformed', 'error-event'] as const;
export type Fault = (typeof FAULTS)[number];

export interface ChaosUpstream {
  url: string;
  /** Requests received (every attempt the gateway made here). */
  hits: number;
  close(): void;
}

interface Conn {
  buf: Buffer;
  /** Bytes Bun's socket did not take yet (a gateway that reads slowly): sent on drain. */
  out: Buffer[];
  busy: boolean;
  closed: boolean;
}

const CHAT_CHUNKS = readChunks('openai', 'text.chunks.txt');
const RESPONSE_EVENTS = readChunks('responses', 'openai-response-stream.chunks.txt');
/** Anthropic's Messages stream, event by event (`event:` and `data:` lines). */
const MESSAGES_EVENTS = fixtureText('anthropic', 'text.sse').split('\n\n').filter((e) => e.trim()).map((e) => `${e}\n\n`);
const MESSAGES_JSON = JSON.stringify(fixtureJson('anthropic', 'text.json'));
const CHAT_JSON = JSON.stringify(fixtureJson('openai', 'chat.json'));
const RESPONSE_JSON = JSON.stringify(fixtureJson('responses', 'openai-response.json'));
const EMBEDDING_JSON = JSON.stringify({
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2, 0.3] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 4, total_tokens: 4 },
});

/** A big answer's text: 16 MiB, more than the loopback sockets between upstream, gateway and client hold. */
const BIG_TEXT = 'lorem ipsum '.repeat(Math.ceil((16 << 20) / 12));
/** A big stream's text: 1,024 deltas of 16 KiB. */
const BIG_DELTAS = Array.from({ length: 1024 }, () => BIG_TEXT.slice(0, 16 << 10));

/** The SSE frames of a normal stream for this path; a big one has 16 MiB of text deltas after the first. */
function makeStreamFrames(path: string, big: boolean): string[] {
  if (path.endsWith('/messages')) {
    const at = MESSAGES_EVENTS.findIndex((e) => e.includes('text_delta'));
    const delta = JSON.parse(MESSAGES_EVENTS[at]!.split('data: ')[1]!);
    const deltas = big ? BIG_DELTAS.map((text) => `event: content_block_delta\ndata: ${JSON.stringify({ ...delta, delta: { ...delta.delta, text } })}\n\n`) : [];
    return [...MESSAGES_EVENTS.slice(0, at + 1), ...deltas, ...MESSAGES_EVENTS.slice(at + 1)];
  }
  if (path.endsWith('/responses')) {
    const events = RESPONSE_EVENTS.map((d) => JSON.parse(d));
    const at = events.findIndex((e) => e.type === 'response.output_text.delta');
    const deltas = big ? BIG_DELTAS.map((delta) => ({ ...events[at], delta })) : [];
    return [...events.slice(0, at + 1), ...deltas, ...events.slice(at + 1)].map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  }
  const first = JSON.parse(CHAT_CHUNKS[1]!);
  const deltas = big ? BIG_DELTAS.map((content) => JSON.stringify({ ...first, choices: [{ ...first.choices[0], delta: { content } }] })) : [];
  return [CHAT_CHUNKS[0]!, CHAT_CHUNKS[1]!, ...deltas, ...CHAT_CHUNKS.slice(2)].map((d) => `data: ${d}\n\n`).concat('data: [DONE]\n\n');
}

/** The whole JSON answer for this path; a big one carries 16 MiB of text (embeddings: 2 Mi numbers). */
function makeWholeAnswer(path: string, big: boolean): string {
  if (path.endsWith('/embeddings')) {
    if (!big) return EMBEDDING_JSON;
    const e = JSON.parse(EMBEDDING_JSON);
    e.data[0].embedding = Array.from({ length: 2 << 20 }, (_, i) => (i % 7) / 10);
    return JSON.stringify(e);
  }
  if (path.endsWith('/messages')) {
    if (!big) return MESSAGES_JSON;
    const m = JSON.parse(MESSAGES_JSON);
    m.content[0].text = BIG_TEXT;
    return JSON.stringify(m);
  }
  if (path.endsWith('/responses')) {
    if (!big) return RESPONSE_JSON;
    const r = JSON.parse(RESPONSE_JSON);
    r.output.find((o: any) => o.type === 'message').content[0].text = BIG_TEXT;
    return JSON.stringify(r);
  }
  if (!big) return CHAT_JSON;
  const c = JSON.parse(CHAT_JSON);
  c.choices[0].message.content = BIG_TEXT;
  return JSON.stringify(c);
}

function errorFrame(path: string): string {
  if (path.endsWith('/messages')) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'chaos: overloaded mid-stream' } })}\n\n`;
  }
  if (path.endsWith('/responses')) {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message: 'chaos: upstream failed mid-stream', param: null, sequence_number: 3 })}\n\n`;
  }
  return `data: ${JSON.stringify({ error: { message: 'chaos: upstream failed mid-stream', type: 'server_error', param: null, code: null } })}\n\n`;
}

const malformedFrame = (path: string) =>
  path.endsWith('/messages')
    ? 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"\n\n'
    : 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"x"\n\n';

/** An error answer's body in the API's shape (Anthropic's on /messages). */
function errorBody(path: string, type: string, message: string): string {
  if (path.endsWith('/messages')) return JSON.stringify({ type: 'error', error: { type: type === 'requests' ? 'rate_limit_error' : 'api_error', message } });
  return JSON.stringify({ error: { message, type, param: null, code: type === 'requests' ? 'rate_limit_exceeded' : null } });
}

function head(status: number, reason: string, headers: Record<string, string>): string {
  return `HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

function jsonAnswer(status: number, reason: string, body: string, extra: Record<string, string> = {}): string {
  return head(status, reason, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...extra }) + body;
}

/** Made once per path and size: a 16 MiB answer built per request would hold the event loop the gateway shares. */
function memo<T>(make: (path: string, big: boolean) => T): (path: string, big: boolean) => T {
  const made = new Map<string, T>();
  return (path, big) => {
    const key = `${path.slice(path.lastIndexOf('/'))}:${big}`;
    if (!made.has(key)) made.set(key, make(path, big));
    return made.get(key)!;
  };
}
const streamFrames = memo(makeStreamFrames);
const wholeAnswer = memo(makeWholeAnswer);

const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

/** What the fake does with one tagged request at one upstream. */
export interface Answer {
  fault: Fault;
  /** 16 MiB of answer instead of a few bytes. */
  big: boolean;
}

export function startChaosUpstream(index: number, answerOf: (tag: number, upstream: number) => Answer, gapMs = 15): ChaosUpstream {
  const sockets = new Set<Socket<Conn>>();
  const self: ChaosUpstream = { url: '', hits: 0, close: () => {} };

  const write = (s: Socket<Conn>, text: string) => {
    if (s.data.closed) return;
    const bytes = Buffer.from(text);
    if (s.data.out.length) return void s.data.out.push(bytes);
    const n = Math.max(s.write(bytes), 0);
    if (n < bytes.length) s.data.out.push(bytes.subarray(n));
  };
  const flushOut = (s: Socket<Conn>) => {
    while (s.data.out.length) {
      const head = s.data.out[0]!;
      const n = Math.max(s.write(head), 0);
      if (n < head.length) return void (s.data.out[0] = head.subarray(n));
      s.data.out.shift();
    }
  };
  /** Waits until the socket took what was written (a slow reader holds the stream back, as a real upstream is). */
  const whenDrained = (s: Socket<Conn>, then: () => void) => {
    if (!s.data.out.length || s.data.closed) return then();
    setTimeout(() => whenDrained(s, then), 5);
  };
  const done = (s: Socket<Conn>) => {
    s.data.busy = false;
    drain(s);
  };

  /**
   * A stream of frames, one every gapMs (a big one's deltas back to back); the fault strikes before
   * the third frame, or a big stream's third from last (after the first good frames went out).
   */
  const stream = (s: Socket<Conn>, path: string, { fault, big }: Answer) => {
    write(s, head(200, 'OK', { 'content-type': 'text/event-stream', 'transfer-encoding': 'chunked' }));
    const frames = streamFrames(path, big);
    const faultAt = big ? frames.length - 3 : 2;
    let i = 0;
    const next = () => {
      if (s.data.closed) return;
      if (i === faultAt && fault !== 'ok') {
        if (fault === 'close-mid') return whenDrained(s, () => s.end());
        if (fault === 'stall') return; // silent until the gateway hangs up
        if (fault === 'error-event') {
          write(s, chunk(errorFrame(path)) + '0\r\n\r\n');
          return done(s);
        }
        if (fault === 'malformed') write(s, chunk(malformedFrame(path)));
      }
      if (i >= frames.length) {
        write(s, '0\r\n\r\n');
        return done(s);
      }
      write(s, chunk(frames[i++]!));
      whenDrained(s, () => (big && i > 1 && i < faultAt ? next() : setTimeout(next, gapMs)));
    };
    next();
  };

  const answer = (s: Socket<Conn>, path: string, body: string) => {
    self.hits++;
    const tag = /chaos-(\d+)/.exec(body);
    const plan = tag ? answerOf(Number(tag[1]), index) : { fault: 'ok' as const, big: false };
    const fault = plan.fault;
    let streaming = false;
    try {
      streaming = JSON.parse(body).stream === true;
    } catch {}
    const whole = wholeAnswer(path, plan.big);
    switch (fault) {
      case 'close-before-headers':
        return s.end();
      case 'reset-before-headers':
        return s.terminate();
      case 'stall-before-headers':
        return; // silent until the gateway's header timeout hangs up
      case '429':
        write(s, jsonAnswer(429, 'Too Many Requests', errorBody(path, 'requests', 'chaos: rate limited'), { 'retry-after': '1' }));
        return done(s);
      case '500':
        write(s, jsonAnswer(500, 'Internal Server Error', errorBody(path, 'server_error', 'chaos: server error')));
        return done(s);
    }
    if (streaming) return stream(s, path, plan);
    if (fault === 'ok') {
      write(s, jsonAnswer(200, 'OK', whole));
      return done(s);
    }
    if (fault === 'malformed') {
      write(s, jsonAnswer(200, 'OK', whole.slice(0, whole.length >> 1)));
      return done(s);
    }
    if (fault === 'error-event') {
      write(s, jsonAnswer(200, 'OK', errorBody(path, 'server_error', 'chaos: error in a 200')));
      return done(s);
    }
    // close-mid and stall: the headers promise the whole body, half of it comes.
    write(s, head(200, 'OK', { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(whole)) }) + whole.slice(0, whole.length >> 1));
    if (fault === 'close-mid') whenDrained(s, () => setTimeout(() => s.end(), gapMs));
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
        s.data = { buf: Buffer.alloc(0), out: [], busy: false, closed: false };
        sockets.add(s);
      },
      data(s, bytes) {
        s.data.buf = Buffer.concat([s.data.buf, bytes]);
        drain(s);
      },
      drain(s) {
        flushOut(s);
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
