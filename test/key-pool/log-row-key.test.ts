/** The log writer stores which pool key served a request (its id, never the key). */
import { expect, test } from 'bun:test';
import { createLogSink } from '../../src/logging/log-sink';
import { makeRecord, tempDb } from '../logging/log-test-helpers';

test('provider_key_id is written; rows without one keep it null', async () => {
  const t = tempDb();
  const sink = createLogSink({ dbPath: t.path, batchSize: 10, flushMs: 20 });
  try {
    sink.write({ ...makeRecord(1), requestId: 'with-key', providerKeyId: '7' });
    sink.write({ ...makeRecord(2), requestId: 'no-key' });
    await sink.close();
    const rows = t.sqlite.query('SELECT request_id, provider_key_id FROM request_logs ORDER BY request_id').all();
    expect(rows).toEqual([
      { request_id: 'no-key', provider_key_id: null },
      { request_id: 'with-key', provider_key_id: '7' },
    ]);
  } finally {
    t.cleanup();
  }
});
