/**
 * The upgrade that adds usage_team_full_hourly/_daily (what the Usage page and /api/usage/*
 * read for one team) fills them from what the database already holds: the hours the raw log
 * still holds whole from request_logs, by the team on each row and by the writer's rules; older
 * hours, whose raw rows retention removed, from usage_hourly by the team each key is in now. So a
 * team's usage does not start at the upgrade, and every hour counts exactly once.
 */
import { Database } from 'bun:sqlite';
import { afterEach, expect, test } from 'bun:test';
import { runMigrations } from '../../src/db/migrate';
import { INSERT_LOG_SQL, logRowValues, UPSERT_ROLLUP_SQL } from '../../src/logging/log-row-sql';
import { rollupBatch } from '../../src/logging/rollup-batch';
import { insertSqliteRows, migrateSqliteBefore } from '../helpers/migrate-before';
import { mixedRecords, RAW_KEY, RAW_SUMS } from './log-test-helpers';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 10, 20, 21, 17, 5);
let lite: Database;
afterEach(() => lite?.close());

const SUMS = `requests, errors, prompt_tokens, cached_tokens, completion_tokens, reasoning_tokens, round(cost_usd, 9) AS cost_usd,
  round(latency_ms_sum, 6) AS latency_ms_sum, round(overhead_ms_sum, 6) AS overhead_ms_sum`;

test('hours with whole raw rows by the rows\' teams, older ones by the keys\' teams now; the daily table their sum', () => {
  lite = new Database(':memory:');
  const db = migrateSqliteBefore(lite, 'team_usage_rollups');
  // Keys 1 and 2 are in teams 7 and 8 now; key 3 in none.
  insertSqliteRows(lite, 'teams', ['id', 'name', 'created_at', 'updated_at'], [[7, 'Seven', 0, 0], [8, 'Eight', 0, 0]]);
  insertSqliteRows(lite, 'clients', ['id', 'name', 'key_hash', 'key_prefix', 'created_at', 'team_id'],
    [[1, 'k1', 'h1', 'gg-1', 0, 7], [2, 'k2', 'h2', 'gg-2', 0, 8], [3, 'k3', 'h3', 'gg-3', 0, null]]);
  // As the release before wrote them: raw rows and usage_hourly (~5 days); then retention removed
  // the first two days' raw rows, cutting an hour in the middle.
  const records = mixedRecords(1000, START);
  const insert = lite.prepare(INSERT_LOG_SQL);
  const upsert = lite.prepare(UPSERT_ROLLUP_SQL);
  lite.transaction(() => {
    for (const r of records) insert.run(...(logRowValues(r) as [number]));
    for (const d of rollupBatch(records)) upsert.run(...(d as [number]));
  })();
  const cut = START + 2 * 86_400_000 + 1_234_567;
  lite.run('DELETE FROM request_logs WHERE created_at < ?', [cut]);
  const whole = Math.floor(cut / HOUR) * HOUR + HOUR;

  runMigrations(db);

  const stored = (where: string) => lite.query(`SELECT hour, team_id, provider, model, client_id, ${SUMS} FROM usage_team_full_hourly
    WHERE ${where} ORDER BY hour, team_id, provider, model, client_id`).all();
  const keys = ['team_id', 'provider', 'model', 'client_id'] as const;
  const fromRaw = lite.query(`SELECT (created_at / ${HOUR}) * ${HOUR} AS hour, ${keys.map((k) => `${RAW_KEY[k]} AS ${k}`).join(', ')}, ${RAW_SUMS}
    FROM request_logs WHERE created_at >= ? GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`).all(whole);
  expect(fromRaw.length).toBeGreaterThan(100);
  expect(stored(`hour >= ${whole}`)).toEqual(fromRaw);
  const fromHourly = lite.query(`SELECT h.hour, coalesce(c.team_id, 0) AS team_id, h.provider, h.model, h.client_id,
      ${SUMS}
    FROM usage_hourly h LEFT JOIN clients c ON c.id = h.client_id WHERE h.hour < ? ORDER BY 1, 2, 3, 4, 5`).all(whole);
  expect(fromHourly.length).toBeGreaterThan(100);
  expect(stored(`hour < ${whole}`)).toEqual(fromHourly);

  // Every hour once: the totals are usage_hourly's; each day is the sum of its hours.
  const total = (table: string) => lite.query(`SELECT sum(requests) AS r, sum(prompt_tokens) AS p FROM ${table}`).get();
  expect(total('usage_team_full_hourly')).toEqual(total('usage_hourly'));
  expect(total('usage_team_full_daily')).toEqual(total('usage_hourly'));
  const daily = lite.query(`SELECT day, team_id, provider, model, client_id, requests, prompt_tokens FROM usage_team_full_daily ORDER BY 1, 2, 3, 4, 5`).all();
  const folded = lite.query(`SELECT (hour / 86400000) * 86400000 AS day, team_id, provider, model, client_id, sum(requests) AS requests,
    sum(prompt_tokens) AS prompt_tokens FROM usage_team_full_hourly GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`).all();
  expect(daily).toEqual(folded);
});
