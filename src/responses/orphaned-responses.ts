import type { Database } from 'bun:sqlite';

/** The `error` of a response whose gateway stopped before it ended (OpenAI's `response.error` shape). */
export const ORPHANED_ERROR = {
  code: 'server_error',
  message: 'The gateway stopped before this response ended; send the request again.',
} as const;

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
  const update = sqlite.prepare('UPDATE stored_responses SET response = ? WHERE id = ?');
  sqlite.transaction(() => {
    for (const { id, response } of rows) {
      const r = JSON.parse(response);
      r.status = 'failed';
      r.error = ORPHANED_ERROR;
      if (Array.isArray(r.output)) for (const item of r.output) if (item?.status === 'in_progress') item.status = 'incomplete';
      update.run(JSON.stringify(r), id);
    }
  })();
  return rows.length;
}
