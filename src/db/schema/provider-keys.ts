import { sqliteTable, text, integer, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Extra keys of a provider's key pool (the provider's own key, from the providers table or the
 * environment, is a pool member too). Requests spread over the pool by weight.
 */
export const providerKeys = sqliteTable(
  'provider_keys',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    provider: text('provider').notNull(),
    /** AES-256-GCM ciphertext (base64 of iv|tag|data) under the encryption key, as providers.api_key_encrypted. */
    keyEncrypted: text('key_encrypted').notNull(),
    /** Last four characters of the key, the only part ever shown again. */
    keyLast4: text('key_last4').notNull(),
    /**
     * HMAC-SHA256 of the key under a subkey of the encryption key (SecretBox.fingerprint), so the
     * database refuses one secret twice in a pool (the ciphertext differs each time: random IV).
     * Null until computed: rows older than migration 0016 get it at start (admin/key-fingerprints.ts),
     * and a row that does not decrypt, or repeats a key already fingerprinted, keeps null.
     */
    keyFingerprint: text('key_fingerprint'),
    label: text('label').notNull(),
    weight: integer('weight').notNull().default(1),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('provider_keys_provider_idx').on(t.provider),
    uniqueIndex('provider_keys_provider_fingerprint_uq').on(t.provider, t.keyFingerprint),
  ],
);
