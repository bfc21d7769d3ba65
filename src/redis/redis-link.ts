import { RedisClient } from 'bun';

export type RedisStatus = 'off' | 'ok' | 'down';

export interface RedisLinkStats {
  up: boolean;
  /** Connections made after the first (each one after Redis was lost). */
  reconnects: number;
  /** Commands sent (publishes are counted apart). */
  commands: number;
  /** Commands that failed (Redis down or an error reply). */
  errors: number;
  published: number;
  received: number;
}

export interface RedisLinkOptions {
  /** Wait between reconnection attempts (default 500 ms). */
  retryMs?: number;
  /** A PING is sent this often; no answer within it counts as down (default 1000 ms). */
  pingMs?: number;
  warn?: (msg: string) => void;
}

type Handler = (message: string) => void;

/**
 * The one connection owner for Redis (in AppContext as `redis`): a command connection and a
 * subscriber connection (a subscribed connection takes no other commands). Never blocks the
 * request path: while Redis is unreachable every command rejects at once (no offline queue),
 * `status()` says `down`, and a loop reconnects every `retryMs` without a restart, then
 * subscribes again and tells `onUp` listeners, which re-read what they may have missed.
 * Every key and channel name goes through `key()`, which adds the configured prefix.
 */
export class RedisLink {
  /** Tells this process's own messages apart from other instances' on shared channels. */
  readonly origin = crypto.randomUUID();
  private cmd: RedisClient | null = null;
  private sub: RedisClient | null = null;
  private up = false;
  private closed = false;
  private connecting: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private everUp = false;
  private failure: string | null = null;
  private readonly channels = new Map<string, Set<Handler>>();
  private readonly upListeners = new Set<() => void>();
  private readonly downListeners = new Set<() => void>();
  private readonly upWaiters = new Set<() => void>();
  private readonly counts = { reconnects: 0, commands: 0, errors: 0, published: 0, received: 0 };
  private readonly retryMs: number;
  private readonly pingMs: number;

  constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly opts: RedisLinkOptions = {},
  ) {
    this.retryMs = opts.retryMs ?? 500;
    this.pingMs = opts.pingMs ?? 1000;
  }

  /** Starts connecting in the background; `whenUp` waits for the first connection. */
  start(): this {
    void this.connect();
    this.pingTimer = setInterval(() => void this.ping(), this.pingMs);
    (this.pingTimer as { unref?: () => void }).unref?.();
    return this;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  status(): RedisStatus {
    return this.up ? 'ok' : 'down';
  }

  isUp(): boolean {
    return this.up;
  }

  isClosed(): boolean {
    return this.closed;
  }

  stats(): RedisLinkStats {
    return { up: this.up, ...this.counts };
  }

  /** Why the last connection attempt failed (`ERR DB index is out of range`, `Connection closed`); null once connected. */
  lastError(): string | null {
    return this.failure;
  }

  /** Resolves true once connected (at once when up), false after `ms`. */
  whenUp(ms: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.upWaiters.delete(done);
        resolve(this.up);
      };
      const t = setTimeout(done, ms);
      this.upWaiters.add(done);
    });
  }

  /** The current command connection (a new object after each reconnection); null while down. */
  connection(): object | null {
    return this.cmd;
  }

  /** One command on the command connection; rejects at once while Redis is down. */
  async send(command: string, args: string[]): Promise<any> {
    this.counts.commands++;
    const c = this.cmd;
    if (!c || !this.up) {
      this.counts.errors++;
      throw new Error('redis is unreachable');
    }
    try {
      return await c.send(command, args);
    } catch (err) {
      this.counts.errors++;
      throw err;
    }
  }

  /** Fire and forget on `prefix + channel`; dropped while down (listeners resync on `onUp`). */
  publish(channel: string, message: string): void {
    if (!this.up || !this.cmd) return;
    this.counts.published++;
    this.cmd.send('PUBLISH', [this.key(channel), message]).catch(() => {
      this.counts.errors++;
    });
  }

  /** Listens on `prefix + channel`, across reconnections. */
  subscribe(channel: string, handler: Handler): () => void {
    let set = this.channels.get(channel);
    const fresh = !set;
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(handler);
    if (fresh && this.up && this.sub) void this.listen(this.sub, channel).catch(() => this.lost());
    return () => set!.delete(handler);
  }

  /**
   * Subscribes to JSON notices `{ o: <origin>, ... }` that other instances publish: unreadable
   * messages and this instance's own are dropped.
   */
  onNotice<N extends { o: string }>(channel: string, handler: (notice: N) => void): () => void {
    return this.subscribe(channel, (message) => {
      let n: N;
      try {
        n = JSON.parse(message) as N;
      } catch {
        return;
      }
      if (n?.o !== this.origin) handler(n);
    });
  }

  /** Called on each connection, the first included: state may have been missed (or never read). */
  onUp(cb: () => void): () => void {
    this.upListeners.add(cb);
    return () => this.upListeners.delete(cb);
  }

  onDown(cb: () => void): () => void {
    this.downListeners.add(cb);
    return () => this.downListeners.delete(cb);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.drop();
    this.up = false;
  }

  private listen(sub: RedisClient, channel: string): Promise<number> {
    return sub.subscribe(this.key(channel), (message) => {
      this.counts.received++;
      for (const h of this.channels.get(channel) ?? []) {
        try {
          h(message);
        } catch (err) {
          this.opts.warn?.(`redis: a ${channel} listener failed: ${(err as Error).message}`);
        }
      }
    });
  }

  private connect(): Promise<void> {
    if (this.connecting || this.closed) return this.connecting ?? Promise.resolve();
    this.connecting = (async () => {
      const options = { autoReconnect: false, enableOfflineQueue: false, connectionTimeout: 2000 };
      let cmd: RedisClient | undefined;
      let sub: RedisClient | undefined;
      try {
        // Built inside the try: a URL Bun refuses (config.ts checks what it knows of) is a failure said, not a crash.
        cmd = new RedisClient(this.url, options);
        sub = new RedisClient(this.url, options);
        // connect() resolves before Redis has answered the URL's SELECT (and AUTH); only a command
        // queued at once gets Redis's own refusal (`ERR DB index is out of range`) for lastError():
        // a later one finds the connection closed and says only that.
        const ready = (c: RedisClient) => c.connect().then(() => c.send('PING', []));
        await Promise.all([ready(cmd), ready(sub)]);
        for (const channel of this.channels.keys()) await this.listen(sub, channel);
      } catch (err) {
        this.failure = err instanceof Error ? err.message : String(err);
        cmd?.close();
        sub?.close();
        this.scheduleRetry();
        return;
      }
      if (this.closed) {
        cmd.close();
        sub.close();
        return;
      }
      this.cmd = cmd;
      this.sub = sub;
      cmd.onclose = () => this.lost(cmd);
      sub.onclose = () => this.lost(sub);
      this.up = true;
      this.failure = null;
      if (this.everUp) {
        this.counts.reconnects++;
        this.opts.warn?.('redis: connection restored');
      }
      this.everUp = true;
      for (const l of this.upListeners) {
        try {
          l();
        } catch (err) {
          this.opts.warn?.(`redis: a listener failed on connection: ${(err as Error).message}`);
        }
      }
      for (const w of [...this.upWaiters]) w();
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /** A connection closed (or a ping went unanswered): both are dropped and rebuilt. */
  private lost(from?: RedisClient): void {
    if (from && from !== this.cmd && from !== this.sub) return;
    const wasUp = this.up;
    this.up = false;
    this.drop();
    if (wasUp) {
      this.opts.warn?.('redis: connection lost; retrying');
      for (const l of this.downListeners) l();
    }
    this.scheduleRetry();
  }

  private drop(): void {
    const { cmd, sub } = this;
    this.cmd = null;
    this.sub = null;
    for (const c of [cmd, sub]) {
      if (!c) continue;
      c.onclose = null;
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, this.retryMs);
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  /** Catches a Redis that stopped answering without closing the socket. */
  private async ping(): Promise<void> {
    const c = this.cmd;
    if (!this.up || !c) return;
    const answered = await Promise.race([
      c.send('PING', []).then(() => true, () => false),
      Bun.sleep(this.pingMs).then(() => false),
    ]);
    if (!answered && c === this.cmd) this.lost(c);
  }
}
