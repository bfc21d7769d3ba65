import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

/** Provider settings stored from the dashboard; environment values fill what is unset. */
export const providers = sqliteTable('providers', {
  id: text('id').primaryKey(),
  enabled: integer('enabled', { mode: 'boolean' }),
  baseUrl: text('base_url'),
  /** AES-256-GCM ciphertext (base64 of iv|tag|data) under the encryption key. */
  apiKeyEncrypted: text('api_key_encrypted'),
  /** Last four characters of the key, the only part ever shown again. */
  apiKeyLast4: text('api_key_last4'),
  updatedAt: integer('updated_at').notNull(),
});
