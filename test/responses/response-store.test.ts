import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/db/client';
import { runMigrations } from '../../src/db/migrate';
import { approxBytes } from '../../src/responses/approx-bytes';
import { MAX_CACHE_BYTES, ResponseStore } from '../../src/responses/response-store';
import { isToolResultMedia, markToolResultMedia } from '../../src/providers/shared/tool-result-media';
import { remoteFileOf, remoteFilePart } from '../../src/providers/shared/remote-file';

const dir = mkdtempSync(join(tmpdir(), 'gg-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fresh() {
  const { sqlite, db } = openDatabase(join(dir, `${crypto.randomUUID()}.db`));
  runMigrations(db);
  return sqlite;
}
const msgs = [{ role: 'user' as const, content: 'hi' }, { role: 'assistant' as const, content: 'hello' }];

describe('ResponseStore', () => {
  test('a saved conversation is readable at once, written to SQLite on flush, and readable after restart', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    store.save('resp_a', { clientId: 7, model: 'deepseek-chat', messages: msgs });
    expect(store.get('resp_a', 7)?.messages).toEqual(msgs);
    expect(sqlite.query('SELECT count(*) AS n FROM stored_responses').get()).toEqual({ n: 0 });
    store.flush();
    expect(sqlite.query('SELECT count(*) AS n FROM stored_responses').get()).toEqual({ n: 1 });
    const reopened = new ResponseStore(sqlite);
    expect(reopened.get('resp_a', 7)).toMatchObject({ model: 'deepseek-chat', messages: msgs, clientId: 7 });
    // another client cannot continue it
    expect(reopened.get('resp_a', 8)).toBeNull();
    expect(reopened.get('resp_missing', 7)).toBeNull();
  });

  test("replace (a stream's last save) writes only over a row still stored: a delete meanwhile wins; over an unwritten first save it is the insert", async () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    const count = () => sqlite.query('SELECT count(*) AS n FROM stored_responses').get();
    // Saved, written, deleted, then replaced: nothing comes back, in memory or in the table.
    store.save('resp_del', { clientId: 7, model: 'deepseek-chat', messages: msgs.slice(0, 1) });
    store.flush();
    await store.delete('resp_del');
    store.replace('resp_del', { clientId: 7, model: 'deepseek-chat', messages: msgs });
    store.flush();
    expect(store.get('resp_del', 7)).toBeNull();
    expect(count()).toEqual({ n: 0 });
    // A stream shorter than the flush delay: its first save is still queued, the replace takes its place.
    store.save('resp_short', { clientId: 7, model: 'deepseek-chat', messages: msgs.slice(0, 1) });
    store.replace('resp_short', { clientId: 7, model: 'deepseek-chat', messages: msgs });
    store.flush();
    expect(new ResponseStore(sqlite).get('resp_short', 7)?.messages).toEqual(msgs);
    // Written first, then replaced: the row holds the last save.
    store.save('resp_long', { clientId: 7, model: 'deepseek-chat', messages: msgs.slice(0, 1) });
    store.flush();
    store.replace('resp_long', { clientId: 7, model: 'deepseek-chat', messages: msgs });
    store.flush();
    expect(new ResponseStore(sqlite).get('resp_long', 7)?.messages).toEqual(msgs);
  });

  test("a tool result's image keeps its mark through the table (a symbol does not survive JSON); a plain image stays unmarked", () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    const shot = markToolResultMedia({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } });
    const plain = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,BBBB' } };
    store.save('resp_img', { clientId: 7, model: 'deepseek-chat', messages: [{ role: 'tool', tool_call_id: 'c1', content: 'ok' }, { role: 'user', content: [shot, plain] }] });
    store.flush();
    const [read, other] = (new ResponseStore(sqlite).get('resp_img', 7)!.messages[1]!.content as any[]);
    expect(read).toEqual({ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'auto' } });
    expect(isToolResultMedia(read)).toBe(true);
    expect(isToolResultMedia(other)).toBe(false);
  });

  test('a document by URL keeps its mark through the table (else a follow-up would send a file part without data)', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    const doc = markToolResultMedia(remoteFilePart('https://docs.example/report.pdf', 'input[0].content[1].file_url', 'report.pdf'));
    store.save('resp_doc', { clientId: 7, model: 'gemini-2.5-flash', messages: [{ role: 'user', content: [{ type: 'text', text: 'Sum up.' }, doc] }] });
    store.flush();
    const read = (new ResponseStore(sqlite).get('resp_doc', 7)!.messages[0]!.content as any[])[1];
    expect(read).toEqual({ type: 'file', file: { filename: 'report.pdf' } });
    expect(remoteFileOf(read)).toEqual({ url: 'https://docs.example/report.pdf', where: 'input[0].content[1].file_url' });
    expect(isToolResultMedia(read)).toBe(true);
  });

  test('a write SQLite refuses (disk full) keeps the conversation and retries a second later; the process carries on', async () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite, { flushDelayMs: 5 });
    // The file may not grow: the flush timer's insert fails with SQLITE_FULL (it used to be thrown
    // from the timer, which ends the process).
    const { page_count } = sqlite.query('PRAGMA page_count').get() as { page_count: number };
    sqlite.run(`PRAGMA max_page_count = ${page_count}`);
    const big = [{ role: 'user' as const, content: 'x'.repeat(200_000) }];
    store.save('resp_full', { clientId: 1, model: 'm', messages: big });
    await Bun.sleep(100);
    expect(store.pendingCount).toBe(1);
    expect(sqlite.query('SELECT count(*) AS n FROM stored_responses').get()).toEqual({ n: 0 });
    expect(store.get('resp_full', 1)?.messages).toEqual(big);
    sqlite.run('PRAGMA max_page_count = 1073741823');
    for (let i = 0; i < 40 && store.pendingCount > 0; i++) await Bun.sleep(100);
    expect(store.pendingCount).toBe(0);
    expect(new ResponseStore(sqlite).get('resp_full', 1)?.messages).toEqual(big);
  });

  test('retention: expired rows are not served and are deleted; the row cap keeps the newest', () => {
    const sqlite = fresh();
    let now = 1_000 * 86_400_000;
    const store = new ResponseStore(sqlite, { retentionDays: 30, maxRows: 2, cacheSize: 1, now: () => now });
    store.save('resp_old', { clientId: null, model: 'm', messages: msgs });
    store.flush();
    now += 31 * 86_400_000;
    expect(store.get('resp_old', null)).toBeNull();
    for (const id of ['resp_1', 'resp_2', 'resp_3']) {
      now += 1000;
      store.save(id, { clientId: null, model: 'm', messages: msgs });
    }
    store.flush();
    const ids = (sqlite.query('SELECT id FROM stored_responses ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(['resp_2', 'resp_3']);
  });
  test("the row cap counts conversations only: a forwarded response's owner (OpenAI still holds it) is kept until retention ends it", () => {
    const sqlite = fresh();
    let now = 1_000 * 86_400_000;
    const store = new ResponseStore(sqlite, { retentionDays: 30, maxRows: 2, cacheSize: 1, now: () => now });
    store.save('resp_openai', { clientId: 7, model: 'gpt-5-mini', messages: [], provider: 'openai', forwarded: true });
    for (const id of ['resp_1', 'resp_2', 'resp_3']) {
      now += 1000;
      store.save(id, { clientId: 7, model: 'm', messages: msgs });
    }
    store.flush();
    const ids = (sqlite.query('SELECT id FROM stored_responses ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(['resp_2', 'resp_3', 'resp_openai']);
    // Forgotten, another key's follow-up to it would go to OpenAI, which continues it for anyone with the gateway's key.
    const reopened = new ResponseStore(sqlite, { retentionDays: 30, now: () => now });
    expect(reopened.heldByAnother('resp_openai', 8)).toBe(true);
    expect(reopened.find('resp_openai', 7)).toMatchObject({ forwarded: true });
    now += 31 * 86_400_000;
    new ResponseStore(sqlite, { retentionDays: 30, now: () => now }).flush();
    expect(sqlite.query('SELECT COUNT(*) AS n FROM stored_responses').get()).toEqual({ n: 0 });
  });
  test('storing off (LLM_PROXY__RESPONSES__STORE=false): no conversation is kept, a forwarded response\'s owner is, until retention ends it', () => {
    const sqlite = fresh();
    let now = 1_000 * 86_400_000;
    const store = new ResponseStore(sqlite, { enabled: false, retentionDays: 30, now: () => now });
    store.save('resp_bridged', { clientId: 7, model: 'm', messages: msgs });
    store.save('resp_openai', { clientId: 7, model: 'gpt-5-mini', messages: [], provider: 'openai', forwarded: true });
    store.flush();
    expect(sqlite.query('SELECT id FROM stored_responses').all()).toEqual([{ id: 'resp_openai' }]);
    expect(store.get('resp_bridged', 7)).toBeNull();
    const reopened = new ResponseStore(sqlite, { enabled: false, retentionDays: 30, now: () => now });
    expect(reopened.heldByAnother('resp_openai', 8)).toBe(true);
    now += 31 * 86_400_000;
    new ResponseStore(sqlite, { enabled: false, retentionDays: 30, now: () => now }).flush();
    expect(sqlite.query('SELECT COUNT(*) AS n FROM stored_responses').get()).toEqual({ n: 0 });
  });
});

describe('ResponseStore: retrieval records', () => {
  test('the response, its input items, provider and owner survive a restart; forwarded rows never continue a conversation', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    const response = { id: 'resp_b', object: 'response', output: [] };
    const items = [{ id: 'msg_1', type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: 'hi' }] }];
    store.save('resp_b', { clientId: 3, model: 'deepseek-chat', messages: msgs, provider: 'deepseek', response, inputItems: items });
    store.save('resp_openai', { clientId: 3, model: 'gpt-5-mini', messages: [], provider: 'openai', forwarded: true });
    store.flush();
    const reopened = new ResponseStore(sqlite);
    expect(reopened.find('resp_b', 3)).toMatchObject({ provider: 'deepseek', forwarded: false, response, inputItems: items });
    expect(reopened.find('resp_openai', 3)).toMatchObject({ provider: 'openai', forwarded: true, model: 'gpt-5-mini' });
    expect(reopened.get('resp_openai', 3)).toBeNull();
    expect(reopened.find('resp_openai', 4)).toBeNull();
  });

  test('delete forgets a row everywhere (cache, queue, table); retention applies to find as to get', () => {
    const sqlite = fresh();
    let now = 1_000 * 86_400_000;
    const store = new ResponseStore(sqlite, { retentionDays: 30, now: () => now });
    store.save('resp_queued', { clientId: 1, model: 'm', messages: msgs });
    store.delete('resp_queued');
    store.flush();
    expect(store.find('resp_queued', 1)).toBeNull();
    store.save('resp_written', { clientId: 1, model: 'm', messages: msgs, provider: 'openai', forwarded: true });
    store.flush();
    store.delete('resp_written');
    expect(new ResponseStore(sqlite).find('resp_written', 1)).toBeNull();
    store.save('resp_aging', { clientId: 1, model: 'm', messages: msgs, provider: 'openai', forwarded: true });
    now += 31 * 86_400_000;
    expect(store.find('resp_aging', 1)).toBeNull();
  });
});

describe('ResponseStore: memory is bounded by size, not only by count', () => {
  const MB = 1024 * 1024;
  const big = (tag: string) => [{ role: 'user' as const, content: `${tag} ${'x'.repeat(MB)}` }];

  test('large conversations push older ones out of the cache (the default bound too); those are read back from the table', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite);
    // 100 conversations of 1 MB: under the count bound (500), far over the size bound.
    for (let i = 0; i < 100; i++) store.save(`resp_big${i}`, { clientId: 1, model: 'm', messages: big(String(i)) });
    store.flush();
    const m = store.memory;
    expect(m.cachedBytes).toBeLessThanOrEqual(MAX_CACHE_BYTES);
    expect(m.cached).toBeLessThan(100);
    expect(m.cached).toBeGreaterThan(0);
    expect(approxBytes(big('0'))).toBeGreaterThan(MB);
    // The oldest left memory, not the store.
    expect((store.get('resp_big0', 1)?.messages[0]?.content as string).startsWith('0 x')).toBe(true);
    expect(store.memory.cachedBytes).toBeLessThanOrEqual(MAX_CACHE_BYTES);
    // 100 MB written to SQLite: ~2 s on a quiet box, 8 s seen with other work on both cores.
  }, 30_000);

  test('one conversation over the bound is still kept (the newest always is), alone', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite, { cacheBytes: MB / 2, flushDelayMs: 60_000 });
    store.save('resp_small', { clientId: 1, model: 'm', messages: msgs });
    store.save('resp_huge', { clientId: 1, model: 'm', messages: big('h') });
    expect(store.memory.cached).toBe(1);
    // Pushed out of the cache before it was written: still found in the write queue.
    expect(store.get('resp_small', 1)?.messages).toEqual(msgs);
    expect(store.get('resp_huge', 1)?.messages).toEqual(big('h'));
    store.flush();
    expect(store.get('resp_small', 1)?.messages).toEqual(msgs);
  });

  test('while the database refuses writes, the conversations waiting stay within the size bound; the newest are kept', () => {
    const sqlite = fresh();
    const store = new ResponseStore(sqlite, { flushDelayMs: 5, maxPendingBytes: 3 * MB, cacheBytes: MB });
    const { page_count } = sqlite.query('PRAGMA page_count').get() as { page_count: number };
    sqlite.run(`PRAGMA max_page_count = ${page_count}`);
    const errors = console.error;
    console.error = () => {};
    try {
      for (let i = 0; i < 10; i++) store.save(`resp_wait${i}`, { clientId: 1, model: 'm', messages: big(String(i)) });
      store.flush();
      const m = store.memory;
      expect(m.pendingBytes).toBeLessThanOrEqual(3 * MB);
      expect(m.pending).toBeGreaterThan(0);
      expect(m.pending).toBeLessThan(10);
      expect(store.get('resp_wait9', 1)).not.toBeNull();
      expect(store.get('resp_wait0', 1)).toBeNull();
    } finally {
      sqlite.run('PRAGMA max_page_count = 1073741823');
      store.flush();
      console.error = errors;
    }
    expect(store.memory.pending).toBe(0);
  });
});
