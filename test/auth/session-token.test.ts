import { describe, expect, test } from 'bun:test';
import { SecretBox } from '../../src/crypto/secret-box';
import { decodeSessionToken, encodeSessionToken, newSessionId } from '../../src/auth/session-token';

const box = new SecretBox(new Uint8Array(32).fill(7));
const other = new SecretBox(new Uint8Array(32).fill(8));
const now = 1_800_000_000_000;
const claims = { sessionId: newSessionId(), userId: 42, tokenVersion: 3, expiresAt: now + 60_000 };

describe('session token', () => {
  test('round-trips its claims', () => {
    const token = encodeSessionToken(box, claims);
    expect(token.split('.')).toHaveLength(5);
    expect(decodeSessionToken(box, token, now)).toEqual(claims);
  });

  test('changing any one part breaks it', () => {
    const parts = encodeSessionToken(box, claims).split('.');
    const variants: Record<number, string[]> = {
      0: [newSessionId()],
      1: ['43', '1', '420'],
      2: ['4', '0', '30'],
      3: [String(claims.expiresAt + 1), String(claims.expiresAt + 86_400_000)],
      4: [parts[4]!.slice(0, -1) + (parts[4]!.endsWith('A') ? 'B' : 'A'), box.sign('anything')],
    };
    for (const [i, values] of Object.entries(variants)) {
      for (const v of values) {
        const forged = parts.slice();
        forged[Number(i)] = v;
        expect(decodeSessionToken(box, forged.join('.'), now)).toBeNull();
      }
    }
  });

  test('a token signed under another key is refused', () => {
    expect(decodeSessionToken(box, encodeSessionToken(other, claims), now)).toBeNull();
  });

  test('a re-signed token with new claims is valid only under the right key', () => {
    const mine = encodeSessionToken(box, { ...claims, userId: 1 });
    expect(decodeSessionToken(box, mine, now)?.userId).toBe(1);
    expect(decodeSessionToken(other, mine, now)).toBeNull();
  });

  test('expired at and after expiresAt', () => {
    const token = encodeSessionToken(box, claims);
    expect(decodeSessionToken(box, token, claims.expiresAt - 1)).not.toBeNull();
    expect(decodeSessionToken(box, token, claims.expiresAt)).toBeNull();
    expect(decodeSessionToken(box, token, claims.expiresAt + 1)).toBeNull();
  });

  test('malformed shapes are refused', () => {
    const token = encodeSessionToken(box, claims);
    for (const bad of ['', 'x', token + '.', '.' + token, token.replaceAll('.', ':'), token + ' ', `${token}.extra`, token.split('.').slice(0, 4).join('.'), 'gg-abc', 'Bearer ' + token]) {
      expect(decodeSessionToken(box, bad, now)).toBeNull();
    }
  });
});
