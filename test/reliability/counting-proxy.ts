/**
 * A loopback TCP proxy in front of the gateway that notes which requests reached it whole: a
 * client that aborts within milliseconds may close before its request was sent, and such a
 * request cannot leave a log row. A request goes on once the client sent all of it (head and
 * content-length body); its `chaos-<n>` tag is noted in `whole` once all of it was written to the
 * gateway's socket, in `partial` while only some was.
 */
import type { Socket } from 'bun';

export interface CountingProxy {
  url: string;
  /** Tags of requests whose bytes all went to the gateway. */
  whole: Set<number>;
  /** Tags of requests of which some bytes went, not all. */
  partial: Set<number>;
  close(): void;
}

interface Pair {
  gateway: Socket<unknown> | null;
  /** Client bytes not yet written to the gateway, from the start of a request on. */
  pending: Buffer;
  /** A request written in part: its tag and the bytes of it still to write. */
  current: { tag: number | null; left: number } | null;
  closed: boolean;
}

/** The tag and length (head and body) of the request at the start of `buf`, or null until its head is whole. */
function nextRequest(buf: Buffer): { tag: number | null; length: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const length = end + 4 + (len ? Number(len[1]) : 0);
  const tag = /chaos-(\d+)/.exec(buf.subarray(end + 4, length).toString('utf8'));
  return { tag: tag ? Number(tag[1]) : null, length };
}

export function startCountingProxy(gatewayPort: number): CountingProxy {
  const whole = new Set<number>();
  const partial = new Set<number>();
  const pairs = new Set<Socket<Pair>>();

  /** Writes what the client sent, request by request, noting each one that went whole. */
  const flush = (c: Socket<Pair>) => {
    const g = c.data.gateway;
    if (!g) return;
    while (c.data.pending.length) {
      if (!c.data.current) {
        // Only whole requests go on (a client that closes within one goes unseen, as it would without the proxy).
        const req = nextRequest(c.data.pending);
        if (!req || req.length > c.data.pending.length) return;
        c.data.current = { tag: req.tag, left: req.length };
      }
      const cur = c.data.current;
      const take = Math.min(cur.left, c.data.pending.length);
      const n = Math.max(g.write(c.data.pending.subarray(0, take)), 0);
      c.data.pending = c.data.pending.subarray(n);
      cur.left -= n;
      if (cur.tag !== null && n > 0) {
        if (cur.left === 0) {
          whole.add(cur.tag);
          partial.delete(cur.tag);
        } else partial.add(cur.tag);
      }
      if (cur.left === 0) c.data.current = null;
      if (n < take) return; // the rest waits for the gateway socket's drain
    }
  };

  const listener = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(c) {
        c.data = { gateway: null, pending: Buffer.alloc(0), current: null, closed: false };
        pairs.add(c);
        void Bun.connect({
          hostname: '127.0.0.1',
          port: gatewayPort,
          socket: {
            open(g) {
              if (c.data.closed) return void g.end();
              c.data.gateway = g;
              flush(c);
            },
            data(_g, bytes) {
              c.write(bytes);
            },
            drain() {
              flush(c);
            },
            close() {
              c.end();
            },
            error() {
              c.end();
            },
          },
        }).catch(() => c.end());
      },
      data(c, bytes) {
        c.data.pending = Buffer.concat([c.data.pending, bytes]);
        flush(c);
      },
      close(c) {
        c.data.closed = true;
        pairs.delete(c);
        c.data.gateway?.end();
      },
      error() {},
    },
  });
  return {
    url: `http://127.0.0.1:${listener.port}`,
    whole,
    partial,
    close() {
      for (const c of pairs) c.terminate();
      listener.stop(true);
    },
  };
}
