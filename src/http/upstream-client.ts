/**
 * The upstream HTTP/1.1 client on Bun's TCP sockets (`Bun.connect`, TLS for https), with a
 * keep-alive pool per origin. It answers like `fetch` (a Response whose body streams as bytes
 * arrive) but runs on the event loop's own sockets: Bun's fetch hands every request to its HTTP
 * client thread and back, which with thousands of streams in flight cost more CPU than the whole
 * relay (BENCHMARKS.md, "An upstream client on Bun's sockets").
 *
 * What it does not do, by design: redirects (the proxy calls with `redirect: 'manual'` anyway),
 * proxies (with HTTP(S)_PROXY set the gateway uses fetch: src/http/send-upstream.ts), HTTP/2.
 * It asks for `accept-encoding: identity` and still decodes gzip/deflate/br/zstd if sent.
 * A pooled connection the server closed just as it was reused (nothing answered on it) is retried
 * once on a new connection, as Go's and Node's clients do.
 */
import type { Socket } from 'bun';
import { isIpLiteral } from '../security/classify-address';
import { Http1ResponseParser, type ResponseHead } from './http1-response-parser';
import { descriptorsExhausted } from '../runtime/descriptors';
import { requestBytes, type UpstreamRequest } from './upstream-request-bytes';

export type { UpstreamRequest };

/** Idle connections kept per origin; more are closed when they come back. */
const MAX_IDLE_PER_ORIGIN = 16_384;
/** An idle pooled connection is closed after this long (servers close theirs after 5-75 s). */
const IDLE_TIMEOUT_S = 4;
/**
 * Body bytes queued for a reader before the socket is paused (backpressure). Counted in bytes: one
 * socket read can bring 512 KiB, so 16 pieces were up to 8 MiB held per stream whose client reads
 * slower than its upstream sends. Past it, at most the read that crossed it is added.
 */
const QUEUED_BYTES_BEFORE_PAUSE = 64 * 1024;
const QUEUE_STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: QUEUED_BYTES_BEFORE_PAUSE, size: (piece) => piece!.byteLength };

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const DECODERS: Record<string, CompressionFormat | undefined> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'brotli' as CompressionFormat, zstd: 'zstd' as CompressionFormat };

/**
 * One request and its answer: the parser's sink, the abort listener (handleEvent) and the
 * body stream's source. Sent on a pooled connection, or a new one.
 */
class Exchange {
  readonly parser: Http1ResponseParser;
  conn: Connection | null = null;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  /** Sent on a pooled connection: retried once on a new one if that closes before answering. */
  private reused = false;
  /** Bytes of the answer arrived. */
  received = false;
  /** The promise is resolved or rejected. */
  private settled = false;
  /** Ended, failed or cancelled: the connection and the abort listener are let go. */
  private finished = false;
  /** The whole answer arrived: every body byte is queued for the reader (bodyArrived). */
  arrived = false;

  constructor(
    private readonly pool: OriginPool,
    private bytes: Uint8Array | null,
    noBody: boolean,
    private readonly signal: AbortSignal,
    private readonly resolve: (r: Response) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.parser = new Http1ResponseParser(this, noBody);
    signal.addEventListener('abort', this);
  }

  start(fresh: boolean): void {
    const pooled = fresh ? null : this.pool.take();
    if (pooled) return this.attach(pooled, true);
    this.pool.open().then(
      (conn) => (this.finished ? this.pool.release(conn) : this.attach(conn, false)),
      (err) => this.fail(err),
    );
  }

  private attach(conn: Connection, reused: boolean): void {
    this.conn = conn;
    this.reused = reused;
    conn.send(this, this.bytes!);
    // The request's bytes are kept only for the one retry, which only a pooled connection gets:
    // a request waiting on a new connection (thousands under load) holds no copy of them.
    if (!reused) this.bytes = null;
  }

  /** The signal aborted. */
  handleEvent(): void {
    this.reused = false;
    this.fail(this.signal.reason);
  }

  head(h: ResponseHead): void {
    this.bytes = null; // answered: never retried
    if (h.status < 200 || h.status > 599) throw new TypeError(`upstream sent status ${h.status}`);
    const headers = new Headers(h.headers);
    if (NULL_BODY_STATUS.has(h.status)) {
      this.settled = true;
      this.resolve(new Response(null, { status: h.status, statusText: h.statusText, headers }));
      return;
    }
    let body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => this.conn?.resumeReading(),
        cancel: () => this.fail(new Error('upstream body cancelled')),
      },
      QUEUE_STRATEGY,
    );
    const coding = headers.get('content-encoding')?.trim().toLowerCase();
    if (coding && coding !== 'identity') {
      const format = DECODERS[coding];
      if (!format) throw new TypeError(`upstream sent content-encoding ${coding}`);
      body = body.pipeThrough(new DecompressionStream(format) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
      headers.delete('content-encoding');
      headers.delete('content-length');
    } else exchangeOf.set(body, this);
    this.settled = true;
    this.resolve(new Response(body, { status: h.status, statusText: h.statusText, headers }));
  }

  body(bytes: Uint8Array): void {
    const c = this.controller;
    if (!c) return;
    c.enqueue(bytes);
    if ((c.desiredSize ?? 1) <= 0) this.conn?.pauseReading();
  }

  end(): void {
    if (this.finished) return;
    this.arrived = true;
    this.let(); // the head came first (the parser reports it before any end), so the promise is settled
    this.controller?.close();
    const conn = this.conn;
    this.conn = null; // it may carry another exchange next: a late pull must not resume it
    conn?.exchangeDone(this);
  }

  /** The connection failed or closed, the signal aborted or the reader cancelled, before the answer was whole. */
  fail(err: unknown): void {
    if (this.finished) return;
    const conn = this.conn;
    this.conn = null;
    if (conn?.exchange === this) conn.exchange = null;
    conn?.destroy();
    if (!this.settled && !this.received && this.reused) {
      this.reused = false; // once: a new connection that fails is not retried
      return this.start(true);
    }
    this.let();
    if (!this.settled) {
      this.settled = true;
      return this.reject(err);
    }
    try {
      this.controller?.error(err);
    } catch {
      // the reader cancelled it already
    }
  }

  private let(): void {
    this.finished = true;
    this.signal.removeEventListener('abort', this);
  }
}

/** A socket to one origin: idle in its pool, or carrying one exchange. */
class Connection {
  socket: Socket<Connection> | null = null;
  exchange: Exchange | null = null;
  /** Request bytes the socket did not take yet (written on drain). */
  pendingWrite: Uint8Array | null = null;
  closed = false;
  paused = false;
  /** Position in its origin's idle list, -1 while busy. */
  idleIndex = -1;
  /** Why the TLS handshake failed (the socket closes without an error of its own). */
  tlsError: Error | null = null;
  constructor(readonly pool: OriginPool) {}

  send(ex: Exchange, bytes: Uint8Array): void {
    this.exchange = ex;
    this.socket!.ref();
    this.socket!.timeout(0);
    this.write(bytes);
  }

  write(bytes: Uint8Array): void {
    const n = this.socket!.write(bytes);
    if (n < 0) return; // closed: the close handler fails the exchange
    this.pendingWrite = n < bytes.length ? bytes.subarray(n) : null;
  }

  pauseReading(): void {
    if (this.paused || this.closed) return;
    this.paused = true;
    this.socket!.pause();
  }

  resumeReading(): void {
    if (!this.paused || this.closed) return;
    this.paused = false;
    this.socket!.resume();
  }

  exchangeDone(ex: Exchange): void {
    if (this.exchange !== ex) return;
    this.exchange = null;
    if (!ex.parser.keepAlive || this.closed || this.pendingWrite) return this.destroy();
    this.resumeReading();
    this.pool.release(this);
  }

  /** Drops the connection (a cancelled body, an abort, a failure): never reused. */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.forget(this);
    this.socket?.terminate();
  }

  onClose(err: Error | null): void {
    this.closed = true;
    this.pool.forget(this);
    const ex = this.exchange;
    if (!ex) return;
    try {
      ex.parser.closed(); // a body that runs to the close ends here
    } catch (e) {
      ex.fail(err ?? this.tlsError ?? e);
    }
  }
}

const handlers = {
  data(socket: Socket<Connection>, data: Uint8Array) {
    const conn = socket.data;
    const ex = conn.exchange;
    if (!ex) return conn.destroy(); // bytes nobody asked for
    ex.received = true;
    try {
      ex.parser.push(data);
    } catch (err) {
      ex.fail(err);
    }
  },
  drain(socket: Socket<Connection>) {
    const conn = socket.data;
    if (conn.pendingWrite) conn.write(conn.pendingWrite);
  },
  close(socket: Socket<Connection>, err?: Error) {
    socket.data.onClose(err ?? null);
  },
  error(socket: Socket<Connection>, err: Error) {
    socket.data.onClose(err);
  },
  end(socket: Socket<Connection>) {
    // The server finished sending: a body that runs to the close ends now.
    socket.data.onClose(null);
    socket.end();
  },
  handshake(socket: Socket<Connection>, success: boolean, authorizationError: Error | null) {
    if (!success || authorizationError) socket.data.tlsError = authorizationError ?? new Error('TLS handshake failed');
  },
  timeout(socket: Socket<Connection>) {
    const conn = socket.data;
    if (!conn.exchange) conn.destroy();
  },
  connectError() {
    // Bun.connect's promise rejects with the error; nothing to do here.
  },
};

/** Idle connections to one origin (a stack: the most recently used goes out first). */
class OriginPool {
  idle: Connection[] = [];
  constructor(
    readonly hostname: string,
    readonly port: number,
    readonly tls: boolean,
  ) {}

  take(): Connection | null {
    while (this.idle.length) {
      const conn = this.idle.pop()!;
      conn.idleIndex = -1;
      if (!conn.closed) return conn;
    }
    return null;
  }

  release(conn: Connection): void {
    if (this.idle.length >= MAX_IDLE_PER_ORIGIN) return conn.destroy();
    conn.idleIndex = this.idle.length;
    this.idle.push(conn);
    conn.socket!.timeout(IDLE_TIMEOUT_S);
    conn.socket!.unref(); // an idle connection does not keep the process alive
  }

  forget(conn: Connection): void {
    const i = conn.idleIndex;
    if (i < 0) return;
    const last = this.idle.pop()!;
    if (last !== conn) {
      this.idle[i] = last;
      last.idleIndex = i;
    }
    conn.idleIndex = -1;
  }

  async open(): Promise<Connection> {
    const conn = new Connection(this);
    try {
      conn.socket = await Bun.connect<Connection>({
        hostname: this.hostname,
        port: this.port,
        data: conn,
        socket: handlers,
        ...(this.tls ? { tls: isIpLiteral(this.hostname) ? true : { serverName: this.hostname } } : {}),
      });
    } catch (err) {
      // The process out of descriptors is no refusal of the upstream's (runtime/descriptors.ts).
      const code = descriptorsExhausted();
      throw code ? Object.assign(new Error(`connect ${code}: no file descriptor left`), { code }) : err;
    }
    conn.socket.setNoDelay(true);
    return conn;
  }
}

const pools = new Map<string, OriginPool>();

/** The exchange whose answer a body stream carries (weak: it goes with the stream), for bodyArrived. */
const exchangeOf = new WeakMap<ReadableStream<Uint8Array>, Exchange>();

/**
 * Whether every byte of an answer's body has arrived (it waits queued for its reader, so reading
 * it to the end waits on nothing). False for a body this client did not read, or a decoded one.
 */
export function bodyArrived(body: ReadableStream<Uint8Array> | null): boolean {
  return body !== null && exchangeOf.get(body)?.arrived === true;
}

function poolFor(url: URL): OriginPool {
  const key = `${url.protocol}//${url.host}`;
  let pool = pools.get(key);
  if (!pool) {
    const tls = url.protocol === 'https:';
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    pool = new OriginPool(hostname, url.port ? Number(url.port) : tls ? 443 : 80, tls);
    pools.set(key, pool);
  }
  return pool;
}

/**
 * `fetch(req.url, { method, headers, body, signal, redirect: 'manual' })` over a pooled HTTP/1.1
 * connection. Rejects like fetch: a TypeError for a bad URL or header, the connection's error when
 * it cannot connect or is cut before the head, the signal's reason when aborted; a failure later
 * errors the body stream.
 */
export function socketFetch(req: UpstreamRequest, signal: AbortSignal): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const url = new URL(req.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported upstream URL scheme ${url.protocol}`);
    const bytes = requestBytes(url, req);
    signal.throwIfAborted();
    new Exchange(poolFor(url), bytes, req.method === 'HEAD', signal, resolve, reject).start(false);
  });
}
