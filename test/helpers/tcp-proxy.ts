/**
 * A loopback TCP proxy a test controls, between the gateways and Redis or PostgreSQL: `cut()`
 * closes every connection through it and refuses new ones (the far side looks down);
 * `restore()` lets connections through again. Writes that Bun takes only in part wait for
 * `drain`, so large result sets pass whole.
 *
 * By default a cut proxy still accepts a connection and closes it at once: Bun's PostgreSQL
 * client then waits out its whole connection timeout (3 s in the gateway) before the query fails,
 * which tests of that wait need. `{ refuse: true }` stops listening while cut instead (the port
 * refuses, as a stopped PostgreSQL's does), so each query fails at once: for tests whose point is
 * what the gateway answers during an outage, not how long it waits for a connection.
 */
import type { Socket, TCPSocketListener } from 'bun';

export interface TcpProxy {
  port: number;
  /** `<scheme>://127.0.0.1:<port>` */
  url: string;
  cut(): void;
  restore(): void;
  close(): void;
}

interface Pair {
  client: Socket<Pair>;
  upstream: Socket<unknown> | null;
  /** Bytes from the client before the upstream connection opened. */
  pending: Uint8Array[];
  closed: boolean;
}

/** Bun's socket.write may take only part of the bytes; the rest waits for `drain`. */
const backlog = new WeakMap<object, Uint8Array[]>();
function send(sock: Socket<any>, data: Uint8Array): void {
  const q = backlog.get(sock);
  if (q?.length) return void q.push(data);
  const n = sock.write(data);
  if (n < data.byteLength) backlog.set(sock, [data.subarray(Math.max(n, 0))]);
}
function drain(sock: Socket<any>): void {
  const q = backlog.get(sock);
  while (q?.length) {
    const head = q[0]!;
    const n = sock.write(head);
    if (n < head.byteLength) {
      q[0] = head.subarray(Math.max(n, 0));
      return;
    }
    q.shift();
  }
}

export async function startTcpProxy(targetHost: string, targetPort: number, scheme = 'redis', opts: { refuse?: boolean } = {}): Promise<TcpProxy> {
  let down = false;
  const pairs = new Set<Pair>();
  const end = (p: Pair) => {
    if (p.closed) return;
    p.closed = true;
    pairs.delete(p);
    p.client.end();
    p.upstream?.end();
  };
  const listen = (port: number): TCPSocketListener<Pair> => Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port,
    socket: {
      open(client) {
        const pair: Pair = { client, upstream: null, pending: [], closed: false };
        client.data = pair;
        if (down) return end(pair);
        pairs.add(pair);
        Bun.connect({
          hostname: targetHost,
          port: targetPort,
          socket: {
            open(up) {
              if (pair.closed) return void up.end();
              pair.upstream = up;
              for (const chunk of pair.pending) send(up, chunk);
              pair.pending = [];
            },
            data(_up, data) {
              if (!pair.closed) send(pair.client, new Uint8Array(data));
            },
            drain(up) {
              drain(up);
            },
            close: () => end(pair),
            error: () => end(pair),
          },
        }).catch(() => end(pair));
      },
      data(client, data) {
        const pair = client.data;
        if (pair.closed) return;
        if (pair.upstream) send(pair.upstream, new Uint8Array(data));
        else pair.pending.push(new Uint8Array(data));
      },
      drain: (client) => drain(client),
      close: (client) => client.data && end(client.data),
      error: (client) => client.data && end(client.data),
    },
  });
  let listener: TCPSocketListener<Pair> | null = listen(0);
  const port = listener.port;
  let closed = false;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    cut() {
      down = true;
      if (opts.refuse) {
        listener?.stop(true);
        listener = null;
      }
      for (const p of [...pairs]) end(p);
    },
    restore() {
      if (closed) return;
      down = false;
      // The same port again (the gateways hold its URL); taken meanwhile by another process, Bun throws.
      listener ??= listen(port);
    },
    close() {
      closed = true;
      down = true;
      for (const p of [...pairs]) end(p);
      listener?.stop(true);
      listener = null;
    },
  };
}
