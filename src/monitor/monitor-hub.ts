import type { Server } from 'bun';
import type { LogRow } from '../logging/log-row';
import { toMonitorEvent } from './redact-record';

export const MONITOR_TOPIC = 'monitor';

/** Publishes written log records to dashboard WebSocket subscribers. */
export interface MonitorHub {
  publish(record: LogRow): void;
}

/** A subscriber socket, as much of it as the hub needs. */
export interface MonitorSocket {
  close(code?: number, reason?: string): void;
}

/**
 * Publishes redacted log records to WebSocket subscribers through Bun's pub/sub. Until a server
 * is attached (on listen) publishing is a no-op, so tests and the CLI can log freely. Sockets
 * are re-checked periodically so a logout or password change also ends a live monitor.
 */
export class BunMonitorHub implements MonitorHub {
  private server: Server<unknown> | null = null;
  private readonly sockets = new Map<MonitorSocket, () => boolean | Promise<boolean>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Several instances: every event also goes out here, redacted (src/redis/monitor-relay.ts); others' come in through `deliver`. */
  relay: ((json: string) => void) | null = null;

  /**
   * `secrets` lists the provider keys in use, removed verbatim from anything broadcast;
   * `clientName` names a client id (from memory: publishing never reads SQLite).
   */
  constructor(
    private readonly secrets: () => Iterable<string> = () => [],
    private readonly clientName: (id: number | null) => string | null = () => null,
  ) {}

  attach(server: Server<unknown>, revalidateMs = 15_000): void {
    this.server = server;
    if (!this.timer) {
      this.timer = setInterval(() => this.revalidate(), revalidateMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  detach(): void {
    this.server = null;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Never throws and never blocks: it runs after a request's accounting is done. */
  publish(record: LogRow): void {
    const server = this.server;
    if (!server && !this.relay) return;
    try {
      const here = server !== null && server.subscriberCount(MONITOR_TOPIC) > 0;
      if (!here && !this.relay) return;
      const json = JSON.stringify(toMonitorEvent(record, this.secrets(), this.clientName));
      if (here) server.publish(MONITOR_TOPIC, json);
      this.relay?.(json);
    } catch {
      // a closed server or a serialisation problem must not reach the request path
    }
  }

  /** An event another instance published (already redacted there): to this instance's subscribers. */
  deliver(json: string): void {
    const server = this.server;
    try {
      if (server && server.subscriberCount(MONITOR_TOPIC) > 0) server.publish(MONITOR_TOPIC, json);
    } catch {
      // as publish
    }
  }

  /** Registers a subscriber with a check that says whether its session is still valid. */
  track(ws: MonitorSocket, stillValid: () => boolean | Promise<boolean>): void {
    this.sockets.set(ws, stillValid);
  }

  untrack(ws: MonitorSocket): void {
    this.sockets.delete(ws);
  }

  /** Monitor sockets open now (a closed one is untracked by its close handler). */
  subscribers(): number {
    return this.sockets.size;
  }

  private recheckQueued = false;

  /**
   * Re-checks every socket as soon as the current task is done (once for a burst of calls): told
   * when sessions may have ended (a sign-out, a password change, a user deleted, another
   * instance's notice), so an ended session gets no further record.
   */
  revalidateSoon(): void {
    if (this.recheckQueued || this.sockets.size === 0) return;
    this.recheckQueued = true;
    queueMicrotask(() => {
      this.recheckQueued = false;
      this.revalidate();
    });
  }

  /** Closes (code 4401) every socket whose session ended since it connected. */
  revalidate(): number {
    let closed = 0;
    for (const [ws, valid] of this.sockets) {
      let ok: boolean | Promise<boolean> = false;
      try {
        ok = valid();
      } catch {
        ok = false;
      }
      // A check that reads the store (PostgreSQL) answers later; the socket closes then.
      if (ok instanceof Promise) {
        ok.then((v) => v || this.end(ws), () => this.end(ws));
        continue;
      }
      if (!ok) {
        this.end(ws);
        closed++;
      }
    }
    return closed;
  }

  /**
   * At shutdown: closes every socket with 1001 (going away), whose page reconnects, to the next
   * instance. Open, a socket would hold the drain (Bun's server.stop waits for every connection)
   * for as long as a Monitoring page stays open.
   */
  closeAll(): void {
    for (const ws of [...this.sockets.keys()]) {
      this.sockets.delete(ws);
      try {
        ws.close(1001, 'server shutting down');
      } catch {
        // already gone
      }
    }
  }

  private end(ws: MonitorSocket): void {
    if (!this.sockets.delete(ws)) return;
    try {
      ws.close(4401, 'session ended');
    } catch {
      // already gone
    }
  }
}
