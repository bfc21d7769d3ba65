import { describe, expect, test } from 'bun:test';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/env-readers';
import { decodeKey, resolveEncryptionKey } from '../../src/crypto/encryption-key';
import { SecretBox } from '../../src/crypto/secret-box';

const HEX = 'a'.repeat(64);

describe('encryption key', () => {
  test('accepts 32 bytes as hex or base64', () => {
    expect(decodeKey(HEX)).toHaveLength(32);
    expect(decodeKey(Buffer.alloc(32, 7).toString('base64'))).toEqual(new Uint8Array(32).fill(7));
  });

  test.each(['short', 'a'.repeat(63), Buffer.alloc(16).toString('base64'), 'z'.repeat(64)])('refuses %s with how to make one', (bad) => {
    expect(() => decodeKey(bad)).toThrow(ConfigError);
    expect(() => decodeKey(bad)).toThrow(/openssl rand -hex 32/);
  });

  test('generates encryption.key (0600) beside the database once, with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-key-'));
    const warnings: string[] = [];
    const k1 = resolveEncryptionKey(undefined, join(dir, 'db', 'x.db'), (m) => warnings.push(m));
    const file = join(dir, 'db', 'encryption.key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings[0]).toContain('Back it up');
    expect(warnings[0]).not.toContain(readFileSync(file, 'utf8').trim());
    const k2 = resolveEncryptionKey(undefined, join(dir, 'db', 'x.db'), (m) => warnings.push(m));
    expect(k2).toEqual(k1);
    expect(warnings).toHaveLength(1);
  });

  test('an encryption.key made by hand (openssl rand -hex 32 > encryption.key, umask 022) is used and tightened to 0600, as the database is', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-key-'));
    mkdirSync(join(dir, 'db'));
    const file = join(dir, 'db', 'encryption.key');
    writeFileSync(file, `${HEX}\n`);
    chmodSync(file, 0o644);
    const warnings: string[] = [];
    expect(resolveEncryptionKey(undefined, join(dir, 'db', 'x.db'), (m) => warnings.push(m))).toEqual(decodeKey(HEX));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warnings).toEqual([]);
  });
});

describe('SecretBox', () => {
  const box = new SecretBox(decodeKey(HEX));

  test('encrypt/decrypt round trip, fresh IV each time, no plaintext in the ciphertext', () => {
    const secret = 'sk-live-0123456789abcdef';
    const a = box.encrypt(secret);
    const b = box.encrypt(secret);
    expect(a).not.toBe(b);
    expect(box.decrypt(a)).toBe(secret);
    expect(Buffer.from(a, 'base64').toString('latin1')).not.toContain(secret);
  });

  test('tampered ciphertext or another key fails', () => {
    const c = Buffer.from(box.encrypt('hello'), 'base64');
    c[c.length - 1]! ^= 1;
    expect(() => box.decrypt(c.toString('base64'))).toThrow();
    const other = new SecretBox(decodeKey('b'.repeat(64)));
    expect(() => other.decrypt(box.encrypt('hello'))).toThrow();
  });

  test('signatures verify and reject changes', () => {
    const sig = box.sign('payload');
    expect(box.verify('payload', sig)).toBe(true);
    expect(box.verify('payload2', sig)).toBe(false);
    expect(box.verify('payload', sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A'))).toBe(false);
  });
});
