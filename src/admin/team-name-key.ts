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
 * Gives every team the name key of its name (src/admin/name-key.ts): those made before migration
 * 0025 have none, and those made before names were compared under full case folding hold a key
 * of the older rule ("straße" where it is now "strasse"). Runs at every start (one read of every
 * team's name); with several instances each writes the same values. Teams that an earlier release
 * let in under one name up to case ("Research", "research"; "Straße", "STRASSE") keep their names
 * and keep working: the oldest holds the key, the others none, so no new team can take the name
 * either, with a warning each start until they are renamed. Returns the warnings.
 */
export async function fillTeamNameKeys(db: Db): Promise<string[]> {
  const rows = await db.select({ id: teams.id, name: teams.name, nameKey: teams.nameKey }).from(teams).orderBy(asc(teams.id));
  const holders = new Map<string, number>();
  const wanted = rows.map((r) => {
    const key = teamNameKey(r.name);
    if (holders.has(key)) return { ...r, key: null };
    holders.set(key, r.id);
    return { ...r, key };
  });
  const unchanged = (r: (typeof wanted)[number]) => and(eq(teams.id, r.id), eq(teams.name, r.name));
  // First every key a team should not hold is let go, so that the unique index lets the oldest take it.
  for (const r of wanted) if (r.nameKey !== null && r.nameKey !== r.key) await db.update(teams).set({ nameKey: null }).where(unchanged(r));
  const warnings: string[] = [];
  for (const r of wanted) {
    if (r.key === null) {
      warnings.push(
        `gophergate: team ${r.id} ('${r.name}') has the name of an older team up to case or spaces (allowed before this version); ` +
          'both keep working, but rename one in the dashboard or with PATCH /api/teams/{id} so people can tell them apart.',
      );
      continue;
    }
    if (r.nameKey === r.key) continue;
    try {
      await db.update(teams).set({ nameKey: r.key }).where(and(unchanged(r), isNull(teams.nameKey)));
    } catch (err) {
      // Taken meanwhile by a team another instance made: this one stays without, as a twin.
      if (!isUniqueViolation(err)) throw err;
    }
  }
  return warnings;
}
