import type { Database, Statement } from 'bun:sqlite';
import type { Store } from '../db/store';
import { isStoreUnreachableError } from '../db/pg-store';
import { storeBusyOr } from '../db/sqlite-write-failure';
import { ApiError } from '../errors/api-error';
import { approxBytes } from './approx-bytes';
import { SizedMap } from './sized-map';
import { columnValues, entryOf, INSERT_PG_SQL, INSERT_SQLITE_SQL, isCancelled, SELECT_SQL, UPDATE_SQL, UPDATE_UNLESS_CANCELLED_PG_SQL, type StoredConversation, type StoredRow } from './stored-response-rows';

import { withDefaults, type ResponseStoreOptions } from './response-store-options';

export type { StoredConversation } from './stored-response-rows';
export { MAX_CACHE_BYTES, MAX_PENDING_BYTES, MAX_PENDING_RESPONSES, type ResponseStoreOptions } from './response-store-options';

const DAY_MS = 86_400_000;

/**
 * A stored response this instance does not hold in memory, read or deleted while PostgreSQL is
 * away: a 503 to retry (as /api answers then), not an internal error.
 */
const storeAway = () =>
  new ApiError({
    status: 503,
    type: 'api_error',
    code: 'store_unavailable',
    headers: { 'retry-after': '5' },
    message: 'The database is unreachable; this stored response cannot be read or deleted until it is back.',
  });
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * A row waiting to be written. `replaceOnly`: written only over a row still stored (a streamed
 * response's last save), so a DELETE that came meanwhile is not undone.
 */
interface PendingRow {
  conv: StoredConversation;
  replaceOnly: boolean;
  /** approxBytes(conv) */
  bytes: number;
}

/** A conversation in memory with its size (approxBytes). */
interface Cached {
  conv: StoredConversation;
  bytes: number;
}


/**
 * Stored bridged responses (table `stored_responses`). Writes are queued and flushed in one
 * transaction a moment later; reads look in the in-memory cache first and fall back to a
 * primary-key lookup. Retention: `retentionDays` (every row) and `maxRows` (conversations), enforced while flushing.
 */
export class ResponseStore {
  private readonly cache = new SizedMap<Cached>((c) => c.bytes);
  private readonly pending = new SizedMap<PendingRow>((r) => r.bytes);
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The last PostgreSQL write queued (inTurn). */
  private writes: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  /** Conversations dropped unwritten since the last successful write. */
  private droppedPending = 0;
  private readonly opts: Required<ResponseStoreOptions>;
  private readonly insert!: Statement;
  private readonly update!: Statement;
  private readonly select!: Statement;
  private readonly remove!: Statement;
  private readonly sqlite!: Database;
  /** Set on PostgreSQL: reads and writes are awaited (load() fills the cache before get()/find()). */
  private readonly shared?: Store;

  constructor(db: Database | Store, options: ResponseStoreOptions = {}) {
    this.opts = withDefaults(options);
    if ('kind' in db && db.kind === 'postgres') {
      this.shared = db;
      return;
    }
    const sqlite = (this.sqlite = 'kind' in db ? db.sqlite! : db);
    this.insert = sqlite.prepare(INSERT_SQLITE_SQL);
    this.update = sqlite.prepare(UPDATE_SQL);
    this.select = sqlite.prepare(SELECT_SQL);
    this.remove = sqlite.prepare('DELETE FROM stored_responses WHERE id = ?');
  }

  save(id: string, conv: Omit<StoredConversation, 'createdAt'>): void {
    this.queue(id, { ...conv, createdAt: this.opts.now() }, false);
  }

  /**
   * Saves again a response saved before (a stream's end, saved `in_progress` from its start),
   * only while it is still stored: a DELETE /v1/responses/{id} during the stream wins, on this
   * instance or another, instead of the stream's last save bringing the response back.
   */
  replace(id: string, conv: Omit<StoredConversation, 'createdAt'>): void {
    // Its first save not written yet: this one takes its place, as the insert.
    const replaceOnly = this.pending.get(id)?.replaceOnly !== false;
    this.queue(id, { ...conv, createdAt: this.opts.now() }, replaceOnly);
  }

  private queue(id: string, entry: StoredConversation, replaceOnly: boolean): void {
    if (!this.opts.enabled && !entry.forwarded) return;
    const bytes = approxBytes(entry);
    // A replace is kept in memory only where it is (a delete took it out; an evicted one is read back from the table).
    if (!replaceOnly || this.cache.has(id)) this.remember(id, entry, bytes);
    this.pending.set(id, { conv: entry, replaceOnly, bytes }); // queued as the newest
    this.trimPending();
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.flushDelayMs);
      (this.timer as any).unref?.();
    }
  }

  /**
   * Resolves once what is queued (the conversation just answered) is written on PostgreSQL, so a
   * follow-up the client sends to another instance the moment it has the answer finds it there
   * (the flush timer would leave it unknown, or still `in_progress`, for a moment). Not held while
   * PostgreSQL is known to be away, nor longer than `maxWaitMs`: the row then waits for its retry,
   * as in an outage. SQLite: at once (one process, which answers from its own cache).
   */
  persisted(maxWaitMs = 2_000): Promise<void> {
    if (!this.shared || !this.pending.size || !this.shared.reachable()) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxWaitMs)));
    return Promise.race([this.flush().catch(() => {}), late]).finally(() => clearTimeout(timer));
  }

  /** The stored conversation, or null when unknown, expired, stored by another client or held by OpenAI. */
  get(id: string, clientId: number | null): StoredConversation | null {
    const entry = this.find(id, clientId);
    return entry && !entry.forwarded ? entry : null;
  }

  /** Any response made through the gateway (bridged or forwarded), or null when unknown, expired or another client's. */
  find(id: string, clientId: number | null): StoredConversation | null {
    const entry = this.live(id);
    if (!entry) return null;
    if (entry.clientId !== null && entry.clientId !== clientId) return null;
    return entry;
  }

  /**
   * Whether `id` is a response made through the gateway by another client. OpenAI would continue
   * it for anyone holding the gateway's key (one project), so a follow-up to it is refused, not forwarded.
   */
  heldByAnother(id: string, clientId: number | null): boolean {
    const entry = this.live(id);
    return entry !== null && entry.clientId !== null && entry.clientId !== clientId;
  }

  /** The entry of `id` whoever made it (cache, else the SQLite row), or null when unknown or expired. */
  private live(id: string): StoredConversation | null {
    // A first save not yet written may have left the cache (the size bound) before reaching the table.
    const queued = this.pending.get(id);
    let entry = this.cache.get(id)?.conv ?? (queued && !queued.replaceOnly ? queued.conv : null);
    if (!entry && !this.shared) {
      let row: StoredRow | null;
      try {
        row = this.select.get(id) as StoredRow | null;
      } catch (err) {
        throw storeBusyOr(err); // WAL lets reads through a writer's lock, but not every lock (a checkpoint's, an exclusive connection's)
      }
      if (row) {
        entry = entryOf(row);
        this.remember(id, entry, approxBytes(entry));
      }
    }
    if (!entry || entry.createdAt < this.opts.now() - this.opts.retentionDays * DAY_MS) return null;
    return entry;
  }

  /**
   * Makes get()/find() answer from memory: reads the row into the cache. Needed before them on
   * PostgreSQL (they cannot wait); a no-op on SQLite. `fresh` re-reads a cached row (another
   * instance may have deleted it); otherwise a cached one is kept. A cached row whose re-read fails
   * (PostgreSQL away) is used as it is, as /v1 serves from memory through an outage.
   */
  async load(id: string, fresh = false): Promise<void> {
    if (!this.shared || (!fresh && this.cache.has(id)) || this.pending.has(id)) return;
    let row: StoredRow | undefined;
    try {
      if (!this.shared.reachable()) throw storeAway();
      [row] = await this.shared.all<StoredRow>(SELECT_SQL, [id]);
    } catch (err) {
      if (this.cache.has(id)) return;
      throw isStoreUnreachableError(err) ? storeAway() : err;
    }
    if (row) {
      const entry = entryOf(row);
      this.remember(id, entry, approxBytes(entry));
    } else this.cache.delete(id);
  }

  /** Forgets a response (DELETE /v1/responses/{id}): gone from memory, the write queue and the table. */
  async delete(id: string): Promise<void> {
    // PostgreSQL known to be away: refused before anything is forgotten here, so this instance still holds it.
    if (this.shared && !this.shared.reachable()) throw storeAway();
    if (!this.shared) {
      // SQLite: the row first, so a delete refused (the lock held past busy_timeout) forgets nothing.
      try {
        this.remove.run(id);
      } catch (err) {
        throw storeBusyOr(err);
      }
      this.cache.delete(id);
      this.pending.delete(id);
      return;
    }
    this.cache.delete(id);
    this.pending.delete(id);
    const shared = this.shared;
    await this.inTurn(() => shared.run('DELETE FROM stored_responses WHERE id = ?', [id])).catch((err: unknown) => {
      throw isStoreUnreachableError(err) ? storeAway() : err;
    });
  }

  /**
   * Writes queued rows now and prunes when due. On SQLite the write is done when this returns; on
   * PostgreSQL the promise settles when it is. On either, a failed write (SQLite's disk full,
   * PostgreSQL away) is kept and retried a second later.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = [...this.pending];
    this.pending.clear();
    const now = this.opts.now();
    const shared = this.shared;
    if (shared) return this.inTurn(() => this.flushShared(shared, rows, now));
    try {
      this.writeSqlite(rows, now);
      this.written();
    } catch {
      this.keepForRetry(rows); // SQLITE_FULL or SQLITE_BUSY: thrown in a timer, it would take the process down
    }
    return Promise.resolve();
  }

  /** flush() on SQLite: one transaction for the queued rows, pruning when due. */
  private writeSqlite(rows: [string, PendingRow][], now: number): void {
    this.sqlite.transaction(() => {
      for (const [id, { conv: c, replaceOnly }] of rows) {
        const values = columnValues(c, c.forwarded ? 1 : 0, this.opts.runner);
        if (replaceOnly) this.update.run(...values, id);
        else this.insert.run(id, ...values);
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        this.sqlite.run('DELETE FROM stored_responses WHERE created_at < ?', [now - this.opts.retentionDays * DAY_MS]);
        this.sqlite.run(
          'DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE NOT forwarded ORDER BY created_at DESC LIMIT -1 OFFSET ?)',
          [this.opts.maxRows],
        );
      }
    })();
  }

  /**
   * Shutdown: writes what is queued and waits for the write. The flush timer is unref'd and the
   * process exits right after draining, so a conversation finished during the drain (a rolling
   * restart) would otherwise be lost, and its follow-up on another instance answered 404.
   */
  async close(): Promise<void> {
    // Nothing queued: no write, not even a due prune (with SQLite locked by another program, that
    // cost every stop a busy_timeout wait for nothing).
    // PostgreSQL: a write the timer began may still be under way.
    await (this.pending.size ? this.flush() : this.writes);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size) console.error(`gophergate: ${this.pending.size} stored response(s) could not be written before exit`);
  }

  /** flush() on PostgreSQL: one upsert per row, pruning when due; a failed write is retried with the next flush. */
  private async flushShared(store: Store, rows: [string, PendingRow][], now: number): Promise<void> {
    try {
      for (const [id, { conv: c, replaceOnly }] of rows) {
        const values = columnValues(c, Boolean(c.forwarded), this.opts.runner);
        if (!replaceOnly) await store.run(INSERT_PG_SQL, [id, ...values]);
        else if (isCancelled(c.response)) await store.run(UPDATE_SQL, [...values, id]);
        // Cancelled (or deleted) through another instance meanwhile: the table's state wins, read back on the next look.
        else if (!(await store.all(UPDATE_UNLESS_CANCELLED_PG_SQL, [...values, id])).length && !this.pending.has(id)) this.cache.delete(id);
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await store.run('DELETE FROM stored_responses WHERE created_at < ?', [now - this.opts.retentionDays * DAY_MS]);
        await store.run('DELETE FROM stored_responses WHERE id IN (SELECT id FROM stored_responses WHERE NOT forwarded ORDER BY created_at DESC OFFSET ?)', [this.opts.maxRows]);
      }
      this.written();
    } catch {
      this.keepForRetry(rows);
    }
  }

  /**
   * PostgreSQL writes one after another: a delete or a stream's last save (an UPDATE) after the
   * insert still under way, so neither is overtaken by it.
   */
  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    const done = this.writes.then(write);
    this.writes = done.then(() => {}, () => {});
    return done;
  }

  /** A write went through: says so once if conversations were dropped while the store refused them. */
  private written(): void {
    if (this.droppedPending) console.error(`gophergate: stored responses: written again; ${this.droppedPending} conversation(s) were not kept meanwhile`);
    this.droppedPending = 0;
  }

  /** A failed write's rows wait for a try a second later, older than what was queued meanwhile (a newer save of an id wins). */
  private keepForRetry(rows: [string, PendingRow][]): void {
    const newer = [...this.pending];
    this.pending.clear();
    for (const [id, c] of rows) this.pending.set(id, c);
    for (const [id, c] of newer) {
      // A replace queued over a first save that failed to be written becomes that insert.
      const replaceOnly = c.replaceOnly && this.pending.get(id)?.replaceOnly !== false;
      this.pending.set(id, { ...c, replaceOnly });
    }
    this.trimPending();
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), 1000);
      (this.timer as any).unref?.();
    }
  }

  /** Conversations waiting to be written (for /health-style diagnostics and tests). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Conversations in memory now: cached, and waiting to be written (for tests and diagnostics). */
  get memory(): { cached: number; cachedBytes: number; pending: number; pendingBytes: number } {
    return { cached: this.cache.size, cachedBytes: this.cache.bytes, pending: this.pending.size, pendingBytes: this.pending.bytes };
  }

  /** The oldest waiting conversations go past the count or the size bound (the newest always stays). */
  private trimPending(): void {
    const before = this.droppedPending;
    this.droppedPending += this.pending.trim(this.opts.maxPending, this.opts.maxPendingBytes);
    // Said once per outage, not per answer.
    if (before === 0 && this.droppedPending > 0)
      console.error(`gophergate: stored responses: the store refuses writes and ${this.pending.size} conversations wait; older ones are no longer kept`);
  }

  /** Caches a conversation as the newest; the oldest go past the count or the size bound (the newest always stays). */
  private remember(id: string, conv: StoredConversation, bytes: number): void {
    this.cache.set(id, { conv, bytes });
    this.cache.trim(this.opts.cacheSize, this.opts.cacheBytes);
  }
}
