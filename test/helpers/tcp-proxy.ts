/**
 * A loopback TCP proxy a test controls: `cut()` closes every connection through it and refuses
 * new ones (the far side looks down); `restore()` lets connections through again.
 */
import type { Socket, TCPSocketListener } from 'bun';

export interface TcpProxy {
  port: number;
  url: string;
  cut(): void;
  restore(): void;
  close(): void;
}

interface Pair {
  client: Socket<Pair>;
  upstream: Socket<unknown> | null;
  pending: Uint8Array[];
}

export async function startTcpProxy(targetHost: string, targetPort: number, scheme = 'redis'): Promise<TcpProxy> {
  let open = true;
  const pairs = new Set<Pair>();
  const server: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      async open(client) {
        const pair: Pair = { client, upstream: null, pending: [] };
        client.data = pair;
        if (!open) {
          client.end();
          return;
        }
        pairs.add(pair);
        try {
          pair.upstream = await Bun.connect({
            hostname: targetHost,
            port: targetPort,
            socket: {
              data: (_s, chunk) => void client.write(chunk),
              close: () => void client.end(),
              error: () => void client.end(),
            },
          });
          for (const c of pair.pending) pair.upstream.write(c);
          pair.pending = [];
        } catch {
          client.end();
        }
      },
      data(client, chunk) {
        const p = client.data;
        if (p.upstream) p.upstream.write(chunk);
        else p.pending.push(new Uint8Array(chunk));
      },
      close(client) {
        client.data?.upstream?.end();
        if (client.data) pairs.delete(client.data);
      },
      error(client) {
        client.data?.upstream?.end();
      },
    },
  });
  const dropAll = () => {
    for (const p of pairs) {
      p.upstream?.end();
      p.client.end();
    }
    pairs.clear();
  };
  return {
    port: server.port,
    url: `${scheme}://127.0.0.1:${server.port}`,
    cut() {
      open = false;
      dropAll();
    },
    restore() {
      open = true;
    },
    close() {
      dropAll();
      server.stop(true);
    },
  };
}
