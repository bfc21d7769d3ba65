import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/env-readers';
import { tightenToOwnerOnly } from '../runtime/owner-only-file';
import { lostKeyMessage, type KeyedSecrets } from './keyed-secrets';

const HOW_TO = 'generate one with: openssl rand -hex 32';

/** Decodes a 32-byte key given as 64 hex characters or as base64; anything else is refused. */
export function decodeKey(raw: string, name = 'LLM_PROXY__ENCRYPTION_KEY'): Uint8Array {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Uint8Array.from(Buffer.from(value, 'hex'));
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return Uint8Array.from(bytes);
  }
  throw new ConfigError(`${name} must be 32 bytes as hex or base64; ${HOW_TO}`);
}

/** Where the generated key lives: `encryption.key` beside the SQLite file. */
export const encryptionKeyFile = (dbPath: string) => join(dbPath === ':memory:' ? '.' : dirname(dbPath), 'encryption.key');

/** Where the key in use comes from, as warnings name it: the variable, or the key file's full path. */
export const encryptionKeySource = (configured: string | undefined, dbPath: string): string =>
  configured ? 'LLM_PROXY__ENCRYPTION_KEY' : resolve(encryptionKeyFile(dbPath));

/**
 * The key that signs sessions and encrypts provider keys: from the environment, else from
 * `encryption.key` beside the database, generated there (mode 0600) on first start. `held` says
 * what the database already holds under a key: a database with stored provider keys and no key
 * file was moved or restored without it, and a key is not generated for it (ConfigError).
 */
export function resolveEncryptionKey(
  configured: string | undefined,
  dbPath: string,
  warn: (msg: string) => void = console.warn,
  held?: () => KeyedSecrets | null,
): Uint8Array {
  if (configured) return decodeKey(configured);
  const file = encryptionKeyFile(dbPath);
  // A file error names the key file (start-up says which file it could not use, not the database).
  const onFile = <T>(run: () => T): T => {
    try {
      return run();
    } catch (err) {
      if (err && typeof err === 'object' && 'code' in err) Object.assign(err, { path: file });
      throw err;
    }
  };
  if (existsSync(file)) {
    // Possibly created by another start a moment ago, its one write not in yet (an empty file).
    const key = readKeyBeingWritten(file, onFile);
    tightenToOwnerOnly(file);
    return key;
  }
  const secrets = held?.();
  if (secrets && secrets.providerKeys > 0) throw new ConfigError(lostKeyMessage(secrets, resolve(file)));
  // Created exclusively: of two gateways started at once on a new folder, one writes the key and
  // the other reads it (each writing its own made them sign sessions and encrypt provider keys
  // with different keys, and the one overwritten was lost with what it encrypted).
  const made = onFile(() => {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') return false;
      throw err;
    }
    chmodSync(file, 0o600);
    return true;
  });
  if (!made) return readKeyBeingWritten(file, onFile);
  warn(
    `[gophergate] generated a new encryption key in ${resolve(file)}. Back it up: without it, stored provider keys cannot be decrypted. ` +
      'Or set LLM_PROXY__ENCRYPTION_KEY.',
  );
  return decodeKey(readFileSync(file, 'utf8'), file);
}

/**
 * The key file, which another process may have just created: read until its one write is in (a
 * moment). A key file someone wrote without a final newline is read as it is once it is not empty.
 */
function readKeyBeingWritten(file: string, onFile: <T>(run: () => T) => T): Uint8Array {
  for (let tries = 0; ; tries++) {
    const text = onFile(() => readFileSync(file, 'utf8'));
    if (text.endsWith('\n') || (text !== '' && tries > 0) || tries >= 100) return decodeKey(text, file);
    Bun.sleepSync(10);
  }
}
