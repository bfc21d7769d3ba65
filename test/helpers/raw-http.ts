/**
 * Raw HTTP/1.1 over a loopback socket, for what fetch cannot send: odd request lines and framing,
 * dot segments it would resolve, repeated headers, `Expect`, several requests on one connection.
 */
import { connect } from 'node:net';

/** Writes `data` on a fresh connection to `url`; resolves with all it received once the server closed it (or after `ms`). */
export function exchange(url: string, data: string | Uint8Array, ms = 5_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve({ text, closed: true }));
    socket.write(data);
    setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, ms).unref();
  });
}

/** The status of every answer head in `text`, interim ones (100 Continue) included. */
export const statusesOf = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** The final answers wholly in `text`, one after another, each body cut at its Content-Length (interim 1xx heads skipped). */
export function answersOf(text: string): RawAnswer[] {
  const out: RawAnswer[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [line, ...fields] = text.slice(at, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(line!)?.[1]);
    const headers: Record<string, string> = {};
    for (const f of fields) headers[f.slice(0, f.indexOf(':')).toLowerCase()] = f.slice(f.indexOf(':') + 1).trim();
    const length = status >= 200 ? Number(headers['content-length'] ?? 0) : 0;
    if (end + 4 + length > text.length) break; // not all in yet
    if (status >= 200) out.push({ status, headers, body: text.slice(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

/** A request head (no body) for `path` on the gateway, each of `headers` on its own line. */
export const requestHead = (method: string, path: string, headers: string[]) => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
