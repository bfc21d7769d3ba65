/**
 * PostgreSQL reachable but failing every write for a reason that passes (its disk full, a read-only
 * standby after a failover, a statement or lock timeout): the rows are kept and retried, not
 * dropped after three tries as a row PostgreSQL refuses for its content is, and the sink's stats
 * (/health `log_queue.error`, `status: degraded`) say why until they are written, as on SQLite.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { SQL } from 'bun';
import { migratePg } from '../../src/db/pg-store';
import { createPgLogSink } from '../../src/logging/pg-log-sink';
import { makeRecord, waitFor } from '../logging/log-test-helpers';
import { createTestDatabase, type TestDatabase } from '../helpers/pg-database';

let db: TestDatabase;
let client: SQL;
let admin: SQL;

beforeAll(async () => {
  db = await createTestDatabase('qa_observe');
  await migratePg(db.url, {});
  client = new SQL({ url: db.url, max: 2 });
  admin = new SQL({ url: db.url, max: 1 });
}, 30_000);
afterAll(async () => {
  await client?.close();
  await admin?.close();
  await db?.drop();
});

const failWith = (sqlstate: string, message: string) =>
  admin.unsafe(`CREATE OR REPLACE FUNCTION qa_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '${message}' USING ERRCODE = '${sqlstate}'; END $$ LANGUAGE plpgsql;
    CREATE OR REPLACE TRIGGER qa_fail BEFORE INSERT ON request_logs FOR EACH ROW EXECUTE FUNCTION qa_fail();`);
const heal = () => admin.unsafe('DROP TRIGGER IF EXISTS qa_fail ON request_logs');
const stored = async (ids: string[]) => ((await admin`SELECT count(*)::int AS n FROM request_logs WHERE request_id IN ${admin(ids)}`)[0] as { n: number }).n;

for (const [sqlstate, message] of [
  ['53100', 'could not extend file "base/16384/16385": No space left on device'],
  ['25006', 'cannot execute INSERT in a read-only transaction'],
  ['57014', 'canceling statement due to statement timeout'],
] as const) {
  test(`${sqlstate} (${message.split(':')[0]}): rows kept and retried, the reason in the stats, all written once it passes`, async () => {
    await failWith(sqlstate, message);
    const sink = createPgLogSink(client, { batchSize: 5, flushMs: 5, retryMs: 50, retentionDays: 0, warn: () => {} });
    const tag = `${sqlstate}-${crypto.randomUUID()}`;
    const records = Array.from({ length: 12 }, (_, i) => ({ ...makeRecord(i), requestId: `${tag}-${i}` }));
    try {
      for (const r of records) sink.write(r);
      await waitFor(() => 'error' in sink.stats());
      await Bun.sleep(500); // many retries' worth
      expect(sink.stats()).toMatchObject({ depth: 12, dropped: 0, written: 0, error: expect.stringContaining(message.split(' ')[0]!) });
      await heal();
      await waitFor(() => sink.stats().written === 12);
      expect(sink.stats()).toEqual({ depth: 0, dropped: 0, written: 12 });
      expect(await stored(records.map((r) => r.requestId))).toBe(12);
    } finally {
      await heal();
      await sink.close();
    }
  }, 30_000);
}

test('a row PostgreSQL refuses for its content is still dropped alone after three tries', async () => {
  // A check no row of this test passes stands for a row PostgreSQL refuses (22xxx data exception).
  await failWith('22P02', 'invalid input syntax for type integer');
  const sink = createPgLogSink(client, { batchSize: 5, flushMs: 5, retryMs: 20, retentionDays: 0, warn: () => {} });
  try {
    sink.write({ ...makeRecord(1), requestId: `bad-${crypto.randomUUID()}` });
    await waitFor(() => sink.stats().dropped === 1);
    expect(sink.stats().depth).toBe(0);
  } finally {
    await heal();
    await sink.close();
  }
});
