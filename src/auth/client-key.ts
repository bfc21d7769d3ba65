export { hashClientKey } from './client-auth';

/** Characters of a key kept in the clients table so operators can tell keys apart. */
export const CLIENT_KEY_PREFIX_LENGTH = 10;

/** `gg-` + 32 random bytes as base64url (46 characters in all). */
export function generateClientKey(): string {
  return `gg-${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;
}
