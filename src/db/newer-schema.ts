import { ConfigError } from '../config/env-readers';

/**
 * A database a later release migrated, opened by this one (an operator copied the old binary back
 * after an upgrade): this binary's migrator saw "everything applied" and served a schema it does
 * not know, writing rows without what the later release keeps beside them (its rollups, its keys'
 * columns), which that release then reads as missing when it is started again. The start is
 * refused in one line instead, before anything is written.
 *
 * `appliedWhen` are the `created_at` values of the migrations the database records as applied
 * (drizzle's table; each migration's generation time); `known` the `when` of those this binary has.
 */
export function refuseNewerSchema(appliedWhen: readonly number[], known: readonly { when: number }[], database: string): void {
  const newest = known.reduce((m, k) => Math.max(m, k.when), 0);
  const unknown = appliedWhen.filter((w) => w > newest);
  if (unknown.length === 0) return;
  const latest = new Date(Math.max(...unknown)).toISOString();
  throw new ConfigError(
    `cannot use the database ${database}: a newer GopherGate release migrated it (${unknown.length} migration(s) this binary does not have, ` +
      `the latest made ${latest}; this binary's latest was made ${new Date(newest).toISOString()}). ` +
      'Start that release (or a later one) again, or restore the copy of the database taken before the upgrade. Nothing was changed.',
  );
}
