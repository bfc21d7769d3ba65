import type { Socket, TCPSocketListener } from 'bun';

const dec = new TextDecoder();

/**
 * A loopback TCP server that hands each whole HTTP request (head and content-length body) to
 * `onRequest` with its socket, which writes the answer as raw bytes: in one write, or paced.
 */
export function rawUpstream(onRequest: (s: Socket<{ buf: string }>) => void): { url: string; stop(): void } {
  const listener: TCPSocketListener<{ buf: string }> = Bun.listen<{ buf: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        s.data = { buf: '' };
      },
      data(s, d) {
        s.data.buf += dec.decode(d);
        const end = s.data.buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: (\d+)/i.exec(s.data.buf.slice(0, end))?.[1] ?? 0);
        if (s.data.buf.length < end + 4 + length) return;
        s.data.buf = s.data.buf.slice(end + 4 + length);
        onRequest(s);
      },
    },
  });
  return { url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}
