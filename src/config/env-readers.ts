import { isIP } from 'node:net';

/** A bad setting: the message names the variable and says how to fix it. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/**
 * `scheme://user:secret@host/…` with the password shown as `***`, for messages and logs. Works on
 * a URL that does not parse too (those are the ones an error message quotes): everything between
 * `user:` and the last `@` is hidden, which hides too much rather than too little.
 */
export function urlWithoutPassword(raw: string): string {
  const start = raw.indexOf('://');
  const at = raw.lastIndexOf('@');
  if (start < 0 || at < start) return raw;
  const colon = raw.indexOf(':', start + 3);
  if (colon < 0 || colon > at) return raw;
  return `${raw.slice(0, colon + 1)}***${raw.slice(at)}`;
}

/**
 * A URL as printed in an error: without its password and its query's values and fragment (a key
 * given the Gemini way, `?key=...`, or a database's `?password=...` must not reach stderr), the
 * names kept so the query is found.
 */
export function urlWithoutQueryValues(raw: string): string {
  return urlWithoutPassword(raw).replace(/([?&][^=&#]*=)[^&#]*/g, '$1...').replace(/#.*$/, '#...');
}

// Plain decimal only: Number() also reads `0x50`, `1e3`, `0b1` and `+80` (as 80, 1000, 1, 80).
const DECIMAL_INT = /^\d+$/;
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = DECIMAL_INT.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} in decimal digits (got "${raw}").`);
  return n;
}

export function readNumber(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = DECIMAL.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a decimal number of at least ${min} (got "${raw}").`);
  return n;
}

/**
 * The longest a timer waits: setTimeout takes a signed 32-bit count of milliseconds and runs one
 * past it after 1 ms, so a longer timeout would end every wait at once (every upstream call a 504).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration a timer waits for, in `unit`s (seconds or milliseconds): at least `min`, at most what a timer can hold. */
export function readDuration(env: Env, name: string, fallback: number, min: number, unit: 's' | 'ms'): number {
  const n = readNumber(env, name, fallback, min);
  const max = unit === 's' ? Math.floor(MAX_TIMER_MS / 1000) : MAX_TIMER_MS;
  if (n > max)
    throw new ConfigError(`${name} must be a decimal number from ${min} to ${max} (got "${env[name]}"): ${max} ${unit}, about 24 days, is the longest a timer can wait.`);
  return n;
}

/**
 * A secret taken as it is, but for the line ends at its end (CR/LF only): a Kubernetes secret made
 * with --from-file or a secret file read into the variable ends in a newline nobody can type.
 * Spaces stay (a password may end in one). Blank is unset.
 */
export function readSecret(env: Env, name: string): string | undefined {
  return env[name]?.replace(/[\r\n]+$/, '') || undefined;
}

export function readBool(env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}").`);
}

export function readList(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const HOST_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/;

/** Why `entry` is not a host name or IP address as a URL's host is compared (null: it is one). */
function hostEntryProblem(entry: string): string | null {
  const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (isIP(bare) === 6 || (bare === entry && isIP(entry) === 4)) return null;
  if (entry.includes('://') || entry.includes('/')) return 'write the host alone, without a scheme or path';
  if (/^[^:]+:\d*$/.test(entry) || /^\[.*\]:\d*$/.test(entry)) return 'write the host without a port (it is allowed on every port)';
  if (HOST_NAME.test(entry)) return null;
  return 'it is not a host name or IP address (IDN names in their xn-- form)';
}

/**
 * A comma-separated list of hosts (names or IP addresses, IPv6 with or without brackets). An entry
 * that is not one (a URL, `host:port`, a space inside) would never match a URL's host, so the
 * allowance it was meant to give would silently not apply: it stops the start instead.
 */
export function readHostList(env: Env, name: string): string[] {
  const hosts = readList(env, name);
  for (const host of hosts) {
    const problem = hostEntryProblem(host);
    if (problem) throw new ConfigError(`${name} holds "${host}": ${problem}; e.g. images.internal,10.0.0.5 (comma-separated).`);
  }
  return hosts;
}

export function readUrl(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  // URL parsing drops tabs and line breaks silently: `https://a.com\n.b.net` would reach a.com.b.net.
  if (/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(raw)) throw new ConfigError(`${name} holds a control, line-break or bidi character; write the URL on one line.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL such as https://api.example.com/v1 (got "${urlWithoutPassword(raw)}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must use http or https (got "${urlWithoutPassword(raw)}").`);
  // A path is appended to the base URL (`/chat/completions`): after a query or fragment it would
  // land inside it (`…/v1?x=1/chat/completions`, or cut off at the `#`), and a user:password in it
  // is not sent (the provider's key is), so each would fail every call with the upstream's words.
  if (url.username || url.password)
    throw new ConfigError(`${name} must not hold a user name or password (got "${urlWithoutPassword(raw)}"); the provider's API key is what is sent.`);
  if (url.search || url.hash || /[?#]/.test(raw))
    throw new ConfigError(`${name} must not hold a query (?) or fragment (#): paths are appended to it (got "${urlWithoutQueryValues(raw)}").`);
  return raw.replace(/\/+$/, '');
}
