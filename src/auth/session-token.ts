import type { SecretBox } from '../crypto/secret-box';

/** What a session token asserts; the signature covers every field. */
export interface SessionClaims {
  sessionId: string;
  userId: number;
  tokenVersion: number;
  /** Epoch milliseconds. */
  expiresAt: number;
}

// Strict shape: anything else is refused before any HMAC work or database read.
const TOKEN_RE = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.(\d{1,9})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/;

/** `<sessionId>.<userId>.<tokenVersion>.<expiresAt>.<hmac>`: dots never occur inside a field. */
export function encodeSessionToken(box: SecretBox, c: SessionClaims): string {
  const payload = `${c.sessionId}.${c.userId}.${c.tokenVersion}.${c.expiresAt}`;
  return `${payload}.${box.sign(payload)}`;
}

/**
 * Verifies shape, signature and expiry, in that order; null for anything wrong. Checking the
 * signature first means a forged token never costs a database read.
 */
export function decodeSessionToken(box: SecretBox, token: string, now: number): SessionClaims | null {
  const m = TOKEN_RE.exec(token);
  if (!m) return null;
  const [, sessionId, uid, ver, exp, mac] = m;
  if (!box.verify(`${sessionId}.${uid}.${ver}.${exp}`, mac!)) return null;
  const claims = { sessionId: sessionId!, userId: Number(uid), tokenVersion: Number(ver), expiresAt: Number(exp) };
  if (!(claims.expiresAt > now)) return null;
  return claims;
}

/** 16 random bytes, base64url (22 characters). */
export function newSessionId(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
}
