import type { Database } from 'bun:sqlite';
import type { Config } from '../config/config';
import type { SecretBox } from '../crypto/secret-box';
import type { Db } from '../db/client';
import { clients, modelGroups, models, providerKeys, providers, teams } from '../db/schema';
import { buildSnapshot } from './build-snapshot';
import type { RuntimeSnapshot } from './snapshot-types';

/**
 * Holds the in-memory snapshot the request path reads. Admin changes call `reload()`; a
 * 1-second check of SQLite's data_version also picks up changes made by another process.
 */
export class StateStore {
  private snapshot: RuntimeSnapshot;
  private version = 0;
  private lastDataVersion = -1;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<(s: RuntimeSnapshot) => void>();
  private readonly localListeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly sqlite: Database,
    private readonly config: Config,
    private readonly box: SecretBox,
  ) {
    this.snapshot = this.load();
  }

  getSnapshot(): RuntimeSnapshot {
    return this.snapshot;
  }

  /**
   * Re-reads every table the request path needs and swaps the snapshot in one step. `local`
   * (the default: an admin change made here) is also told to `onLocalChange` listeners, which
   * send other instances a change notice; a reload on a notice or an outside write is `outside`.
   */
  reload(origin: 'local' | 'outside' = 'local'): RuntimeSnapshot {
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

  /** Polls PRAGMA data_version (cheap, no table read) so outside writes show up within a second. */
  watch(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const dv = this.dataVersion();
      if (dv !== this.lastDataVersion) this.reload('outside');
    }, intervalMs);
    (this.timer as any).unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private dataVersion(): number {
    return (this.sqlite.query('PRAGMA data_version').get() as { data_version: number }).data_version;
  }

  private load(): RuntimeSnapshot {
    this.lastDataVersion = this.dataVersion();
    const rows = {
      providers: this.db.select().from(providers).all(),
      models: this.db.select().from(models).all(),
      groups: this.db.select().from(modelGroups).all(),
      clients: this.db.select().from(clients).all(),
      teams: this.db.select().from(teams).all(),
      providerKeys: this.db.select().from(providerKeys).orderBy(providerKeys.id).all(),
    };
    return buildSnapshot(rows, this.config, this.box, ++this.version);
  }
}
