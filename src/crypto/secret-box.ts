import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets under the one encryption key: AES-256-GCM for stored provider keys, HMAC-SHA256 for
 * signed session tokens, a keyed fingerprint of provider keys. Separate subkeys are derived so one
 * use can never forge the other.
 */
export class SecretBox {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  private readonly fingerprintKey: Buffer;

  constructor(master: Uint8Array) {
    if (master.length !== 32) throw new Error('encryption key must be 32 bytes');
    this.encKey = createHmac('sha256', master).update('gophergate/encrypt').digest();
    this.macKey = createHmac('sha256', master).update('gophergate/sign').digest();
    this.fingerprintKey = createHmac('sha256', master).update('gophergate/fingerprint').digest();
  }

  /** Returns base64 of iv(12) | tag(16) | ciphertext. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encKey, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  /** Throws when the ciphertext was tampered with or made under another key. */
  decrypt(encoded: string): string {
    const raw = Buffer.from(encoded, 'base64');
    if (raw.length < 28) throw new Error('ciphertext too short');
    const decipher = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** base64url HMAC-SHA256 of `data`. */
  sign(data: string): string {
    return createHmac('sha256', this.macKey).update(data).digest('base64url');
  }

  /**
   * base64url HMAC-SHA256 of a secret under its own subkey: equal secrets compare equal in the
   * database (a unique index) while a leaked table, without the encryption key, cannot be used to
   * test guesses of the secret (a plain hash could).
   */
  fingerprint(secret: string): string {
    return createHmac('sha256', this.fingerprintKey).update(secret).digest('base64url');
  }

  verify(data: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(data));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
