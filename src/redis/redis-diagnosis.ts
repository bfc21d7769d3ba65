/**
 * Why a Redis URL does not connect, in words an operator acts on. Bun's client says only
 * "Connection closed" for a refused port, a wrong or missing password and a TLS mismatch alike;
 * at start (main.ts, once Redis did not come up) one connection of our own asks the server
 * directly: AUTH with the URL's credentials (PING without), and reads its first answer.
 */

const TIMEOUT_MS = 2_000;

/** A RESP command (an array of bulk strings). */
const resp = (args: readonly string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

interface Target {
  /** A socket's path (redis+unix://), else empty. */
  unix: string;
  host: string;
  port: number;
  tls: boolean;
  user: string;
  password: string;
}

function targetOf(url: string): Target | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const tls = u.protocol === 'rediss:';
  const unix = u.protocol === 'redis+unix:' ? decodeURIComponent(u.pathname) : '';
  if (!tls && !unix && u.protocol !== 'redis:') return null;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { unix, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 6379), tls, user: decode(u.username), password: decode(u.password) };
}

/** What the server's first answer says about the URL, or null when it accepted it (no better reason). */
function reasonOfAnswer(first: string, t: Target): string | null {
  if (first.startsWith('+') || first.startsWith('$') || first.startsWith('*') || first.startsWith(':')) return null;
  if (first.startsWith('-')) {
    const err = first.slice(1).trim();
    if (/^NOAUTH/.test(err)) return 'Redis asks for a password the URL does not give; write it as redis://:password@host:port';
    if (/^WRONGPASS|invalid password|invalid username-password/i.test(err)) return `Redis refused the URL's user or password: ${err}`;
    if (/without any password configured/i.test(err)) return 'Redis has no password set, but the URL gives one; leave it out of the URL';
    return `Redis answered: ${err}`;
  }
  return t.tls ? 'the server does not answer as Redis over TLS' : 'the server does not answer as Redis; a TLS-only port? then use rediss://';
}

/**
 * One connection to the URL's server, asking what Bun's client would not say. Resolves to the
 * reason, or null when the server accepts the URL (the failure was something else: `why` stands).
 */
export async function diagnoseRedisUrl(url: string, timeoutMs = TIMEOUT_MS): Promise<string | null> {
  const t = targetOf(url);
  if (!t) return null;
  const where = t.unix || `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
  const done = Promise.withResolvers<string | null>();
  let answer = '';
  let opened = false;
  let shookHands = false;
  const late = () => {
    const s = `within ${timeoutMs / 1000} s`;
    if (!opened) return `no connection to ${where} ${s}`;
    if (t.tls && !shookHands) return `no TLS handshake with ${where} ${s}; a Redis without TLS takes redis://`;
    return `${where} accepted the connection but did not answer ${s}`;
  };
  const timer = setTimeout(() => done.resolve(late()), timeoutMs);
  const command = t.password ? resp(t.user ? ['AUTH', t.user, t.password] : ['AUTH', t.password]) : resp(['PING']);
  const handlers: Bun.SocketHandler<undefined> = {
    open(s) {
      opened = true;
      if (!t.tls) s.write(command); // over TLS once the handshake is done
    },
    data(_s, chunk) {
      answer += chunk.toString('latin1');
      const end = answer.indexOf('\r\n');
      if (end >= 0 || answer.length > 512) done.resolve(reasonOfAnswer(end >= 0 ? answer.slice(0, end) : answer, t));
    },
    handshake(s, success, error) {
      shookHands = success;
      if (success) s.write(command);
      else if (/certificate|self.signed|verify/i.test(error?.message ?? '')) {
        done.resolve(`the TLS certificate of ${where} is not trusted (${error!.message}); give its CA certificate in NODE_EXTRA_CA_CERTS`);
      } else done.resolve(`the TLS handshake with ${where} failed: ${error?.message ?? 'no TLS there?'}; a Redis without TLS takes redis://`);
    },
    close() {
      if (t.tls && !shookHands) done.resolve(`the TLS handshake with ${where} failed; a Redis without TLS takes redis://`);
      else done.resolve(answer ? reasonOfAnswer(answer, t) : `${where} closed the connection without answering; ${t.tls ? 'a Redis without TLS takes redis://' : 'a TLS-only port? then use rediss://'}`);
    },
    error(_s, err) {
      done.resolve(`${where}: ${err.message}`);
    },
  };
  const connecting = t.unix
    ? Bun.connect({ unix: t.unix, socket: handlers })
    : Bun.connect({ hostname: t.host, port: t.port, ...(t.tls ? { tls: true } : {}), socket: handlers });
  // A host that drops the connection attempt is waited for no longer than the answer is.
  void connecting.then(
    (socket) => done.promise.finally(() => socket.end()),
    (err: unknown) => done.resolve(connectFailure(err, t, where)),
  );
  try {
    return await done.promise;
  } finally {
    clearTimeout(timer);
  }
}

/** Why the connection itself failed (Bun.connect's rejection). */
function connectFailure(err: unknown, t: Target, where: string): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'ECONNREFUSED') return `nothing accepted the connection at ${where}: Redis is down, or the ${t.unix ? 'socket path' : 'host or port'} is wrong`;
  if (code === 'ENOENT' && t.unix) return `no socket at ${where}: Redis is down, or the path is wrong`;
  const message = String((err as Error)?.message ?? err);
  return `cannot connect to ${where}: ${message}${code && !message.includes(code) ? `, ${code}` : ''}`;
}

/**
 * The reason the start's warning gives: Bun's own when it says something (`ERR DB index is out of
 * range`), else what the server answers one connection of our own (a wrong password, no TLS there).
 */
export async function redisDownReason(url: string, why: string | null): Promise<string | null> {
  if (why && !/connection closed/i.test(why)) return why;
  return (await diagnoseRedisUrl(url)) ?? why;
}
