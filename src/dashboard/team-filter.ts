import { teamChoices, teamIdByName } from '../admin/name-lookups';
import type { AppContext } from '../context';
import { ApiError } from '../errors/api-error';
import { CHOICES_SHOWN } from './components/choices';

/** What a page's Team filter asked for: the team's id (null: any), or why the name was refused. */
export type TeamFilter = { ok: true; teamId: number | null } | { ok: false; error: string; field: string };

/**
 * The Logs and Usage pages' Team filter, as typed or picked (a team's name, any case), read as the
 * team's id, which the queries then take as /api/logs and /api/usage/* take `team`.
 */
export async function teamFilter(ctx: AppContext, typed: string): Promise<TeamFilter> {
  try {
    return { ok: true, teamId: await teamIdByName(ctx, typed, 'team') };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { ok: false, error: err.message, field: err.param ?? 'team' };
  }
}

/** The first few teams, for the filter's suggestion list (not every team: there may be thousands). */
export const teamFilterChoices = (ctx: AppContext) => teamChoices(ctx, '', CHOICES_SHOWN);
