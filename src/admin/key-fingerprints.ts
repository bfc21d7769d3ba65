import { and, eq, isNull } from 'drizzle-orm';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { providerKeys } from '../db/schema';
import { isUniqueViolation } from '../db/unique-violation';

/**
 * Fills `key_fingerprint` of pool keys that have none: rows added before migration 0016 (SQL cannot
 * compute it: the keys are encrypted), and rows that did not decrypt at an earlier start. Runs at
 * every start; with several instances each writes only rows still empty, the same value.
 * A row that does not decrypt stays empty (startup/stored-provider-warnings.ts warns of it). A key that was
 * added twice before the index existed keeps its older row's fingerprint only: both rows stay in the
 * pool, with one warning each start until the admin removes one. Returns the warnings.
 */
export async function fillKeyFingerprints(db: Db, box: SecretBox): Promise<string[]> {
  const rows = await db
    .select({ id: providerKeys.id, provider: providerKeys.provider, keyEncrypted: providerKeys.keyEncrypted, label: providerKeys.label })
    .from(providerKeys)
    .where(isNull(providerKeys.keyFingerprint))
    .orderBy(providerKeys.id);
  const warnings: string[] = [];
  for (const r of rows) {
    let secret: string;
    try {
      secret = box.decrypt(r.keyEncrypted);
    } catch {
      continue;
    }
    try {
      await db
        .update(providerKeys)
        .set({ keyFingerprint: box.fingerprint(secret) })
        .where(and(eq(providerKeys.id, r.id), isNull(providerKeys.keyFingerprint)));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      warnings.push(
        `gophergate: key ${r.id} ('${r.label}') of provider ${r.provider} is a key already in its pool (added twice before this version); ` +
          'it counts twice in the pool until one of them is removed in the dashboard or with DELETE /api/providers/{id}/keys/{key_id}.',
      );
    }
  }
  return warnings;
}
