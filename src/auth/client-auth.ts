import { unauthorized } from '../errors/api-error';
import type { ClientEntry, RuntimeSnapshot } from '../state/snapshot-types';

/** SHA-256 hex of a client key: what the clients table stores and the snapshot is keyed by. */
export function hashClientKey(key: string): string {
  // The one-shot hasher: half the cost of a CryptoHasher object (0.14 vs 0.29 µs) on every request.
  return Bun.SHA256.hash(key, 'hex');
}

/**
 * `Authorization: Bearer <client key>` -> the client, from the in-memory snapshot (no SQLite
 * read; a revoked or edited key takes effect when the snapshot reloads). Throws 401.
 */
export function authenticateClient(
  snap: RuntimeSnapshot,
  authorization: string | null | undefined,
  /** How the refusal tells the client to send its key (Anthropic's clients also use x-api-key). */
  how = '"Authorization: Bearer <key>"',
  /** The header the key came in, for the refusal's words. */
  header = 'Authorization',
): ClientEntry {
  // HTTP's whitespace is spaces and tabs (RFC 9110 OWS); JS's \s would also take a no-break space.
  const match = authorization ? /^[ \t]*Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) : null;
  if (!match) {
    // A header that is there but not a bearer key (Basic auth, a key with spaces, `Bearer` alone) is not "missing".
    const what = authorization?.trim() ? `Malformed ${header} header` : 'Missing API key';
    throw unauthorized(`${what}: send your GopherGate client key as ${how}.`);
  }
  const client = snap.clientsByKeyHash.get(hashClientKey(match[1]!));
  if (!client || client.revoked) throw unauthorized('Incorrect or revoked API key.');
  return client;
}
