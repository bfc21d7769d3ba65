import type { Database } from 'bun:sqlite';
import type { Store } from '../db/store';
import { isRunning } from './stored-response-rows';

/** The `error` of a response whose gateway stopped before it ended (OpenAI's `response.error` shape). */
export const ORPHANED_ERROR = {
  code: 'server_error',
  message: 'The gateway stopped before this response ended; send the request again.',
} as const;

/**
 * A stored response object (its JSON) that nothing runs any more, stored `failed` with
 * ORPHANED_ERROR (its output items still in progress `incomplete`); null when it is not `queued`
 * or `in_progress` (it ended meanwhile) or is not a response object.
 */
export function orphanedResponseJson(response: string): string | null {
  let r: { status?: unknown; error?: unknown; output?: unknown };
  try {
    r = JSON.parse(response);
  } catch {
    return null;
  }
  if (!isRunning(r)) return null;
  r.status = 'failed';
  r.error = ORPHANED_ERROR;
  if (Array.isArray(r.output)) for (const item of r.output) if (item?.status === 'in_progress') item.status = 'incomplete';
  return JSON.stringify(r);
}

/**
 * At start on SQLite, which one process serves: a bridged response stored `queued` or `in_progress`
 * (a stream, a background response) was left so by a process that ended without finishing it
 * (killed outright: a clean stop ends each one), and nothing runs it any more. It is stored
 * `failed` with ORPHANED_ERROR, so a client polling `retrieve` sees it end and a follow-up
 * continues from its input, as after any failed response, rather than a 400 "still in progress"
 * for ever. Returns how many were ended.
 */
export function failOrphanedResponses(sqlite: Database): number {
  const rows = sqlite
    .query(
      "SELECT id, response FROM stored_responses WHERE NOT forwarded AND " +
        "(CASE WHEN json_valid(response) THEN json_extract(response, '$.status') END) IN ('queued', 'in_progress')",
    )
    .all() as { id: string; response: string }[];
  const update = sqlite.prepare('UPDATE stored_responses SET response = ?, runner = NULL WHERE id = ?');
  let ended = 0;
  sqlite.transaction(() => {
    for (const { id, response } of rows) {
      const failed = orphanedResponseJson(response);
      if (failed !== null) ended += update.run(failed, id).changes;
    }
  })();
  return ended;
}

/**
 * Several instances (PostgreSQL, Redis): the instances `runners` were taken for dead (silent in
 * Redis past the heartbeat's limit: limits/redis-limit-recovery-scripts.ts HEARTBEAT), and the
 * instance that found it ends their bridged responses still stored `queued` or `in_progress`, as
 * SQLite's start does (failOrphanedResponses). Only those rows (a row names its instance while it
 * runs: stored-response-rows.ts columnValues): every other instance's responses are left to it. A
 * row saved again meanwhile (its instance was only stalled, and ended it) is left as saved.
 * Returns how many were ended.
 */
export async function failResponsesOf(store: Store, runners: readonly string[]): Promise<number> {
  if (!runners.length) return 0;
  const rows = await store.all<{ id: string; response: string }>(
    `SELECT id, response FROM stored_responses WHERE runner IN (${runners.map(() => '?').join(', ')}) AND NOT forwarded AND response IS NOT NULL`,
    runners,
  );
  let ended = 0;
  for (const { id, response } of rows) {
    const failed = orphanedResponseJson(response);
    if (failed === null) continue;
    await store.run('UPDATE stored_responses SET response = ?, runner = NULL WHERE id = ? AND response = ?', [failed, id, response]);
    ended++;
  }
  return ended;
}

/**
 * failResponsesOf, from the heartbeat that found `runners` dead (not awaited: the beat goes on).
 * PostgreSQL away: tried again every `retryMs`, at most `tries` times (the rows wait for it, and
 * nothing else will name those instances again).
 */
export function endResponsesOfDead(store: Store, runners: readonly string[], warn: (msg: string) => void, retryMs = 5_000, tries = 60): void {
  failResponsesOf(store, runners).then(
    (n) => {
      if (n) warn(`responses: ${n} response(s) run by an instance taken for dead stored failed`);
    },
    (err) => {
      if (tries <= 1) return warn(`responses: the responses of an instance taken for dead could not be stored failed: ${err?.message ?? err}`);
      const timer = setTimeout(() => endResponsesOfDead(store, runners, warn, retryMs, tries - 1), retryMs);
      (timer as { unref?: () => void }).unref?.();
    },
  );
}
