import type { Config } from '../config/config';
import { ConfigError, urlWithoutQueryValues } from '../config/env-readers';
import { encryptionKeyFile } from '../crypto/encryption-key';
import { limitsWhileRedisDown } from '../limits/refusal-message';

/** What the process was doing when it failed: opening its store, or binding its port. */
export type StartupStep = 'store' | 'listen';

/** Why a file or SQLite error stops the start, in words an operator acts on. */
const FILE_REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EISDIR: 'the path is a directory',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a part of the path is a file, not a folder',
  ENOENT: 'its folder cannot be created',
  ELOOP: 'a symbolic link in the path loops',
  ENAMETOOLONG: 'the path is too long',
  ETXTBSY: 'the file is a running program',
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_CANTOPEN: 'the file cannot be opened',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the database file is corrupt',
  SQLITE_IOERR: 'a disk I/O error',
  // After the start's wait for another writer: a minute in migrate.ts (a second start migrating), busy_timeout elsewhere.
  SQLITE_BUSY: "another program kept it locked past the start's wait (a sqlite3 shell inside a transaction, a backup)",
};

const LISTEN_REASONS: Record<string, (host: string, port: number) => string> = {
  EADDRINUSE: (_h, port) => `port ${port} is in use; stop what holds it or set LLM_PROXY__SERVER__PORT to a free port`,
  EADDRNOTAVAIL: (host) => `${host} is not an address of this machine; set LLM_PROXY__SERVER__HOST to one of its addresses (0.0.0.0: all of them)`,
  EINVAL: (host) => `"${host}" is not an address to listen on; set LLM_PROXY__SERVER__HOST to an IP address of this machine (0.0.0.0: all of them)`,
  ENOTFOUND: (host) => `"${host}" does not resolve; set LLM_PROXY__SERVER__HOST to an IP address of this machine (0.0.0.0: all of them)`,
  EACCES: (_h, port) => `permission denied (ports below 1024 need privileges); set LLM_PROXY__SERVER__PORT to 1024 or above`,
};

const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The one line printed when the start fails for a reason outside the program (a setting, a
 * disk, a port), instead of a stack trace; null for anything else (a defect keeps its stack).
 */
export function startupFailureMessage(err: unknown, step: StartupStep, config: Config): string | null {
  if (err instanceof ConfigError) return err.message;
  // Drizzle wraps SQLite's error ("Failed to run the query 'COMMIT'"): the code is on its cause.
  for (let i = 0; i < 5 && !codeOf(err) && (err as { cause?: unknown } | null)?.cause; i++) err = (err as { cause: unknown }).cause;
  const code = codeOf(err);
  if (step === 'listen') {
    const { host, port } = config.server;
    const reason = LISTEN_REASONS[code]?.(host, port);
    if (reason) return `cannot listen on ${host}:${port}: ${reason}.`;
    if (!code) return null;
    return `cannot listen on ${host}:${port}: ${messageOf(err)} (${code}); check LLM_PROXY__SERVER__HOST and LLM_PROXY__SERVER__PORT.`;
  }
  if (config.database.url) {
    if (!code.startsWith('ERR_POSTGRES') && !/^E[A-Z]+$/.test(code)) return null;
    // Bun says only "Failed to connect" both for a refused port and for a host name that does not resolve.
    const why = code === 'ERR_POSTGRES_CONNECTION_REFUSED' ? 'nothing accepted the connection (the server is down, the port is wrong, or the host name does not resolve)' : messageOf(err);
    return `cannot use the PostgreSQL database ${urlWithoutQueryValues(config.database.url)}: ${why} (${code}); ${pgFix(err, config.database.url)}.`;
  }
  const base = code.replace(/^(SQLITE_[A-Z]+?)_[A-Z_]+$/, '$1'); // SQLITE_IOERR_WRITE -> SQLITE_IOERR
  // ENOTFILE (src/db/client.ts): a named pipe, socket or device at the path; its message names which.
  const reason = code === 'ENOTFILE' ? messageOf(err) : (FILE_REASONS[code] ?? FILE_REASONS[base]);
  if (!reason) return null;
  const path = (err as { path?: unknown }).path;
  if (!config.encryptionKey && path === encryptionKeyFile(config.database.path)) {
    return (
      `cannot use the encryption key file ${path}: ${reason} (${code}). ` +
      'Fix it (a file of 64 hex characters, readable by this user), or set LLM_PROXY__ENCRYPTION_KEY.'
    );
  }
  const where = typeof path === 'string' && path !== config.database.path ? ` (${path})` : '';
  return (
    `cannot use the database ${config.database.path}${where}: ${reason} (${code}). ` +
    'Set LLM_PROXY__DATABASE__PATH to a file on a writable disk with free space (its folder is created), or fix this one.'
  );
}

/**
 * What to do about a PostgreSQL that answered but refused, by its SQLSTATE (Bun's `errno`): a server
 * that said the database or role does not exist is up, so "check that the server is up" misleads.
 */
function pgFix(err: unknown, url: string): string {
  const state = String((err as { errno?: unknown } | null)?.errno ?? '');
  const { username, pathname } = new URL(url);
  const database = decodeURIComponent(pathname.replace(/^\/+/, '')) || 'gophergate';
  const user = decodeURIComponent(username) || 'gophergate';
  // 3D000 invalid_catalog_name: the database is not there; the gateway makes its tables, not the database.
  if (state === '3D000') return `create the database first (createdb -O ${user} ${database}), or correct its name in LLM_PROXY__DATABASE__URL`;
  // 28000 invalid_authorization_specification (no such role, pg_hba refusal), 28P01 invalid_password.
  if (state === '28000' || state === '28P01') return 'check the user and password in LLM_PROXY__DATABASE__URL (and that PostgreSQL lets that user connect from here)';
  // 42501 insufficient_privilege: the user may not create the gateway's tables.
  if (state === '42501') return `the user must be allowed to create tables in the database (createdb -O ${user} ${database} makes it the owner)`;
  return 'check LLM_PROXY__DATABASE__URL and that the server is up';
}

/**
 * The line a start prints when Redis has not answered within its first wait: serving goes on
 * without it, so this is a warning, and it says why (a refused connection, `ERR DB index is out
 * of range`, a wrong password) so a wrong LLM_PROXY__REDIS__URL is not mistaken for an outage.
 */
export function redisDownAtStartMessage(url: string, why: string | null, failMode: 'open' | 'closed'): string {
  return (
    `gophergate: Redis at ${urlWithoutQueryValues(url)} is unreachable${why ? ` (${why})` : ''}; ` +
    `serving on, reconnecting in the background; ${limitsWhileRedisDown(failMode)}; check LLM_PROXY__REDIS__URL if it does not come up`
  );
}
