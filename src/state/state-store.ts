import type { Database } from 'bun:sqlite';
import type { Config } from '../config/config';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { clients, modelGroups, models, providerKeys, providers, teams } from '../db/schema';
import type { Store } from '../db/store';
import { binaryOrder } from '../db/text-order';
import { buildSnapshot, type SnapshotRows } from './build-snapshot';
import type { RuntimeSnapshot } from './snapshot-types';

/**
 * Holds the in-memory snapshot the request path reads. Admin changes call `reload()`; a
 * 1-second check of the `state_version` counter (SQLite; moved by triggers on the snapshot's
 * tables) or of a fingerprint of those tables (PostgreSQL) picks up changes made elsewhere.
 */
export class StateStore {
  private snapshot: RuntimeSnapshot;
  private version = 0;
  private lastStateVersion = -1;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<(s: RuntimeSnapshot) => void>();
  private readonly localListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly sqlite: Database,
    private readonly config: Config,
    private readonly box: SecretBox,
    /** A store read by awaiting (PostgreSQL), with the rows it already read; SQLite reads synchronously. */
    private readonly shared?: { store: Store; rows: SnapshotRows },
  ) {
    this.snapshot = shared ? buildSnapshot(shared.rows, config, box, ++this.version) : this.load();
  }

  /** Opens the state store of either store kind (PostgreSQL reads are awaited). */
  static async open(store: Store, config: Config, box: SecretBox): Promise<StateStore> {
    if (store.kind === 'sqlite') return new StateStore(store.db, store.sqlite!, config, box);
    return new StateStore(store.db, undefined as unknown as Database, config, box, { store, rows: await readRows(store.db) });
  }

  /**
   * reload() for either store: admin services await this after a change so the next request
   * sees it. SQLite reloads synchronously; PostgreSQL re-reads the tables (awaited).
   */
  async refresh(origin: 'local' | 'outside' = 'local'): Promise<RuntimeSnapshot> {
    if (!this.shared) return this.reload(origin);
    const read = ++this.reads;
    // The fingerprint before the rows: a change another instance commits while they are read moves
    // the fingerprint past this one, so the next poll reads again. Taken after the rows, it could
    // already include that change while the rows did not, and the poll would never see it.
    const fingerprint = await this.fingerprint().catch(() => '');
    const rows = await readRows(this.db);
    // Reads overlap (a notice, the poll, an admin change): one that started earlier must not
    // replace the snapshot of one that started later.
    if (read > this.applied) {
      this.applied = read;
      this.snapshot = buildSnapshot(rows, this.config, this.box, ++this.version);
      this.lastFingerprint = fingerprint;
      for (const l of this.listeners) l(this.snapshot);
    }
    if (origin === 'local') for (const l of this.localListeners) l();
    return this.snapshot;
  }

  getSnapshot(): RuntimeSnapshot {
    return this.snapshot;
  }

  /**
   * Re-reads every table the request path needs and swaps the snapshot in one step. `local`
   * (the default: an admin change made here) is also told to `onLocalChange` listeners, which
   * send other instances a change notice; a reload on a notice or an outside write is `outside`.
   * On PostgreSQL the re-read is awaited in the background (refresh()).
   */
  reload(origin: 'local' | 'outside' = 'local'): RuntimeSnapshot {
    if (this.shared) {
      void this.refresh(origin).catch(() => {});
      return this.snapshot;
    }
    this.snapshot = this.load();
    for (const l of this.listeners) l(this.snapshot);
    if (origin === 'local') for (const l of this.localListeners) l();
    return this.snapshot;
  }

  /** Called after each reload made by this instance's own admin changes (src/redis/change-notices.ts). */
  onLocalChange(listener: () => void): () => void {
    this.localListeners.add(listener);
    return () => this.localListeners.delete(listener);
  }

  onChange(listener: (s: RuntimeSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Polls for changes made outside this store's own reloads (another process on the same file, an
   * admin change on another instance), so they show up within a second. SQLite: the
   * `state_version` counter, which triggers move on any write to the snapshot's six tables (not
   * PRAGMA data_version: every request-log commit moves that, and a reload with 11,000 client
   * keys takes ~50 ms).
   */
  watch(intervalMs = 1000): void {
    if (this.timer) return;
    if (this.shared) {
      // PostgreSQL: another instance's change shows up within a second (Redis change notices, when
      // configured, make that immediate). The fingerprint is one small query over six small tables.
      let busy = false;
      this.timer = setInterval(() => {
        if (busy) return;
        busy = true;
        this.fingerprint()
          .then((fp) => (fp !== this.lastFingerprint ? this.refresh('outside') : undefined))
          .catch(() => {}) // store down: keep serving the snapshot we have
          .finally(() => (busy = false));
      }, intervalMs);
      (this.timer as any).unref?.();
      return;
    }
    this.timer = setInterval(() => {
      if (this.stateVersion() !== this.lastStateVersion) this.reload('outside');
    }, intervalMs);
    (this.timer as any).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private lastFingerprint = '';
  /** PostgreSQL re-reads started, and the latest one whose rows are the snapshot. */
  private reads = 0;
  private applied = 0;

  /** A digest of every row the snapshot is built from (PostgreSQL). */
  private async fingerprint(): Promise<string> {
    const part = (t: string, order: string) => `(SELECT md5(coalesce(string_agg(md5(x::text), '' ORDER BY ${order}), '')) FROM ${t} x)`;
    const sql = `SELECT ${[
      part('providers', 'x.id'), part('models', 'x.id'), part('model_groups', 'x.name'), part('clients', 'x.id'), part('teams', 'x.id'), part('provider_keys', 'x.id'),
    ].join(' || ')} AS fp`;
    const [row] = await this.shared!.store.all<{ fp: string }>(sql);
    return row?.fp ?? '';
  }

  private stateVersion(): number {
    return (this.sqlite.query('SELECT version FROM state_version WHERE id = 1').get() as { version: number }).version;
  }

  private load(): RuntimeSnapshot {
    this.lastStateVersion = this.stateVersion();
    const rows = {
      providers: this.db.select().from(providers).all(),
      models: this.db.select().from(models).orderBy(models.id).all(),
      groups: this.db.select().from(modelGroups).orderBy(modelGroups.name).all(),
      clients: this.db.select().from(clients).all(),
      teams: this.db.select().from(teams).all(),
      providerKeys: this.db.select().from(providerKeys).orderBy(providerKeys.id).all(),
    };
    return buildSnapshot(rows, this.config, this.box, ++this.version);
  }
}

/**
 * The rows a snapshot is built from, awaited (works on either store). Models and groups by name
 * (code points, as SQLite's load), so what walks them (a refusal naming the groups that use a
 * model) lists them alike on both stores: unordered, PostgreSQL returned a row edited since last.
 */
async function readRows(db: Db): Promise<SnapshotRows> {
  const [p, m, g, c, t, k] = await Promise.all([
    db.select().from(providers),
    db.select().from(models).orderBy(binaryOrder(db, models.id)),
    db.select().from(modelGroups).orderBy(binaryOrder(db, modelGroups.name)),
    db.select().from(clients),
    db.select().from(teams),
    db.select().from(providerKeys).orderBy(providerKeys.id),
  ]);
  return { providers: p, models: m, groups: g, clients: c, teams: t, providerKeys: k };
}
