import { and, asc, eq, isNull, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import { teams } from '../db/schema';
import { isUniqueViolation } from '../db/unique-violation';
import { nameKey } from './name-key';

/** What makes two team names the same team: the same name key (src/admin/name-key.ts). */
export const teamNameKey = nameKey;

/**
 * The id of a team other than `except` whose name is `name`'s up to case and spaces, if any (the
 * oldest, where an earlier release let several in): by the unique `name_key`, and among the teams
 * that have none yet (an earlier release's, before fillTeamNameKeys ran, or one that shares its
 * name with an older team) by computing theirs.
 */
export async function teamNamedLike(db: Db, name: string, except?: number): Promise<number | undefined> {
  const key = teamNameKey(name);
  const rows = await db.select({ id: teams.id, name: teams.name, nameKey: teams.nameKey }).from(teams)
    .where(or(eq(teams.nameKey, key), isNull(teams.nameKey))).orderBy(asc(teams.id));
  return rows.find((r) => r.id !== except && (r.nameKey ?? teamNameKey(r.name)) === key)?.id;
}

/**
 * Fills `name_key` of teams that have none: those made before migration 0025. Runs at every
 * start; with several instances each writes only rows still empty, the same value. Teams that an
 * earlier release let in under one name up to case ("Research", "research") keep their names and
 * keep working: the oldest gets the key, the others stay without one, so no new team can take
 * the name either, with a warning each start until they are renamed. Returns the warnings.
 */
export async function fillTeamNameKeys(db: Db): Promise<string[]> {
  const rows = await db.select({ id: teams.id, name: teams.name }).from(teams).where(isNull(teams.nameKey)).orderBy(teams.id);
  const warnings: string[] = [];
  for (const r of rows) {
    try {
      await db.update(teams).set({ nameKey: teamNameKey(r.name) }).where(and(eq(teams.id, r.id), isNull(teams.nameKey)));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      warnings.push(
        `gophergate: team ${r.id} ('${r.name}') has the name of an older team up to case or spaces (allowed before this version); ` +
          'both keep working, but rename one in the dashboard or with PATCH /api/teams/{id} so people can tell them apart.',
      );
    }
  }
  return warnings;
}
