import { dlopen, FFIType, ptr } from 'bun:ffi';

/** The open-file limit (RLIMIT_NOFILE); Infinity for "unlimited". */
export interface FdLimit {
  soft: number;
  hard: number;
}

/** Descriptors the process holds besides requests: SQLite and its WAL, workers, the listener, stdio. */
export const FD_RESERVE = 64;
/** A request in flight holds the client's socket and the upstream's. */
export const FDS_PER_REQUEST = 2;

const RLIMIT_NOFILE = process.platform === 'darwin' ? 8 : 7;
// macOS refuses a soft limit above OPEN_MAX even when the hard limit says unlimited (Go caps it the same way).
const DARWIN_OPEN_MAX = 10_240n;
const LIBC_NAMES: Record<string, string[]> = {
  linux: ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1'],
  darwin: ['libc.dylib', '/usr/lib/libSystem.B.dylib'],
};

type Rlimit = { get(buf: BigUint64Array): boolean; set(buf: BigUint64Array): boolean };

// The FFI binding, made once (a handle to libc, not state: the limit itself is always read fresh).
let libcBinding: Rlimit | null | undefined;
const libc = () => (libcBinding === undefined ? (libcBinding = openLibc()) : libcBinding);

function openLibc(): Rlimit | null {
  for (const name of LIBC_NAMES[process.platform] ?? []) {
    try {
      const { symbols } = dlopen(name, {
        getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
        setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      });
      return {
        get: (buf) => symbols.getrlimit(RLIMIT_NOFILE, ptr(buf)) === 0,
        set: (buf) => symbols.setrlimit(RLIMIT_NOFILE, ptr(buf)) === 0,
      };
    } catch {
      // not this name (or no FFI here): try the next
    }
  }
  return null;
}

// rlim_t is 64 bits on every platform Bun runs on; "unlimited" is the top of the range.
const toNumber = (v: bigint) => (v >= 0x7fff_ffff_ffff_ffffn ? Infinity : Number(v));

/**
 * Raises the open-file soft limit to the hard limit, as Go's runtime does (Bun's runtime does it
 * too on Linux, measured; this makes it explicit and covers a runtime that does not), and returns
 * the limit in force. Null where it cannot be read (no libc through FFI, e.g. Windows).
 */
export function raiseOpenFileLimit(): FdLimit | null {
  const lib = libc();
  if (!lib) return null;
  const buf = new BigUint64Array(2);
  if (!lib.get(buf)) return null;
  const [soft, hard] = [buf[0]!, buf[1]!];
  let want = hard;
  if (process.platform === 'darwin' && want > DARWIN_OPEN_MAX) want = DARWIN_OPEN_MAX;
  if (soft < want) {
    buf[0] = want;
    if (!lib.set(buf)) buf[0] = soft;
  }
  return { soft: toNumber(buf[0]!), hard: toNumber(hard) };
}

/** The open-file limit in force now; null where it cannot be read. */
export function readOpenFileLimit(): FdLimit | null {
  const lib = libc();
  const buf = new BigUint64Array(2);
  return lib && lib.get(buf) ? { soft: toNumber(buf[0]!), hard: toNumber(buf[1]!) } : null;
}

/** Requests in flight the descriptor limit leaves room for. */
export const requestsFdsAllow = (limit: FdLimit) => Math.max(0, Math.floor((limit.soft - FD_RESERVE) / FDS_PER_REQUEST));

/** A start-up warning when the descriptor limit caps concurrency below the configured maximum; else null. */
export function fdLimitWarning(limit: FdLimit | null, maxConnections: number): string | null {
  if (!limit || limit.soft === Infinity) return null;
  const fit = requestsFdsAllow(limit);
  if (fit >= maxConnections) return null;
  return (
    `gophergate: the open-file limit is ${limit.soft} (hard limit ${limit.hard === Infinity ? 'unlimited' : limit.hard}); ` +
    `each request in flight holds about ${FDS_PER_REQUEST} descriptors (client and upstream sockets), so about ${fit} requests fit, ` +
    `below LLM_PROXY__UPSTREAM__MAX_CONNECTIONS=${maxConnections}. Past that, requests are refused with 503 overloaded and new connections wait unanswered, a CPU core busy. ` +
    'Raise the hard limit (ulimit -Hn, systemd LimitNOFILE=, docker run --ulimit nofile=N:N) or lower the setting.'
  );
}
