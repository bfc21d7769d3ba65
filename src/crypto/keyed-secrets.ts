import type { Database } from 'bun:sqlite';
import { urlWithoutQueryValues } from '../config/env-readers';
import { num, type Store } from '../db/store';

/**
 * What a database holds under its encryption key, asked only when no key is configured and no key
 * file exists (a key would be generated): stored provider keys, a provider's own and its pool's,
 * AES-256-GCM under that key. A new key leaves them unreadable, and keys saved next would be
 * under the new one, two keys in one database. Client keys (SHA-256), passwords (argon2id) and
 * what the seed writes (providers with no key) do not depend on it.
 */
export interface KeyedSecrets {
  /** How the start names the database: `database <full path>`, or `PostgreSQL database <URL without its password>`. */
  database: string;
  providerKeys: number;
}

const COUNT_SQL =
  "select (select count(*) from providers where api_key_encrypted is not null and api_key_encrypted <> '') + " +
  '(select count(*) from provider_keys) as n';

export function sqliteKeyedSecrets(sqlite: Database, path: string): KeyedSecrets {
  const row = sqlite.query(COUNT_SQL).get() as { n: number };
  return { database: `database ${path}`, providerKeys: row.n };
}

export async function pgKeyedSecrets(store: Store, url: string): Promise<KeyedSecrets> {
  const [row] = await store.all<{ n: unknown }>(COUNT_SQL);
  return { database: `PostgreSQL database ${urlWithoutQueryValues(url)}`, providerKeys: num(row?.n) };
}

/** The one line refusing to generate a key for a database whose secrets were made under another. */
export function lostKeyMessage(held: KeyedSecrets, keyFile: string): string {
  return (
    `no encryption key for the ${held.database}, which holds ${held.providerKeys} stored provider key(s) encrypted under one: ` +
    `${keyFile} is missing and LLM_PROXY__ENCRYPTION_KEY is not set, and a new key would leave them unreadable (none was generated). ` +
    `Put back the encryption.key that belongs with this database at ${keyFile}, or set LLM_PROXY__ENCRYPTION_KEY to that key. ` +
    `If it is lost for good: write a new one (openssl rand -hex 32 > ${keyFile}) and enter the provider keys again.`
  );
}
