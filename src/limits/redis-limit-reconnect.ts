import { DataEpoch } from '../redis/data-epoch';
import type { RedisLink } from '../redis/redis-link';
import { periodKey } from './budget-period';
import type { ScopeLimits } from './limit-types';
import { opt } from './redis-limit-scripts';
import type { RecentAdmissions } from './recent-admissions';
import { FLOOR, HEARTBEAT, RELEASE, RESTORE, REWINDOW } from './redis-limit-recovery-scripts';

/** Pending settles and charges kept while Redis is down, at most. */
const MAX_PENDING = 10_000;

/** Work for Redis; a settle names its request (its reservation is not an orphan while it waits). */
export type RedisWork = (() => Promise<unknown>) & { settles?: string };

/** A reservation made in Redis, as this instance made it: enough to make it again in a Redis that lost it. */
export interface RedisAdmit {
  scopes: readonly ScopeLimits[];
  /** USD reserved: one try's worst case, times the tries coverTry let it grow to. */
  worst: number;
  /** Tries `worst` holds (coverTry); 1 when left out. */
  tries?: number;
  tokens: number;
  at: number;
  /** When the request started (AdmitInput.startedAt): the budget period it is billed to; `at` when absent. */
  startedAt?: number;
  /** Admit or last keep-alive time (the stale sweep's clock). */
  aliveAt: number;
  /** Its in-flight slot was freed already (endFlight). */
  ended: boolean;
  /**
   * Admitted from the own counters while Redis was away and not yet put into Redis (RESTORE has not
   * answered): such a request settles by a charge, as it would have, since Redis may hold no
   * reservation of it for SETTLE to bill (Redis went down again before the restore).
   */
  unconfirmed?: boolean;
}

/**
 * RedisLimitCounters across a Redis outage: the work for Redis that came while it was down
 * (bounded, sent in order once it is back), the heartbeat that keeps this instance's reservations
 * from being freed by the others, and on each connection (or a heartbeat that finds this instance
 * was taken for dead) the reservations of its requests still running put back where Redis lost them.
 */
export class RedisLimitReconnect {
  /**
   * Set from a connection until its epoch is checked (and, when Redis lost its data, this
   * instance's reservations are put back): admits and settles wait for it, so none is counted
   * against a Redis that does not yet hold the requests in flight.
   */
  restoring: Promise<void> | null = null;
  /** Work for Redis that came while it was down. */
  private readonly pending: RedisWork[] = [];
  private dropped = 0;
  /** The data set of Redis this instance counted in (`<P>lim:epoch`): another one means Redis lost its data. */
  private readonly epoch: DataEpoch;

  constructor(
    private readonly link: RedisLink,
    /** The reservations this instance made in Redis, by request id (RedisLimitCounters keeps them). */
    private readonly redisAdmits: ReadonlyMap<string, RedisAdmit>,
    /** Called first on each connection. */
    connected: () => void,
    private readonly warn: ((msg: string) => void) | undefined,
    beat: { everyMs: number; deadAfterMs: number },
    /** FLOOR's arguments after the prefix: the spend this instance last saw per budget scope. */
    private readonly floors: () => (string | number)[] = () => [],
    /** Told the origins of the instances a beat of this one took for dead (each once, cluster-wide). */
    dead: (origins: string[]) => void = () => {},
    /** The rate-limited requests this instance settled within the last minute (RedisLimitCounters keeps them). */
    private readonly recent: RecentAdmissions | null = null,
    /** Told, on each beat, how many instances are alive (this one included): their shares of a budget while Redis is away. */
    live: (instances: number) => void = () => {},
    /** The limits' clock (the windows put back are judged on it). */
    private readonly now: () => number = Date.now,
  ) {
    this.epoch = new DataEpoch(link, 'lim:epoch');
    const beatOnce = () =>
      (HEARTBEAT.run(link, [], [link.prefix, link.origin, beat.deadAfterMs]) as Promise<unknown[]>).then((r) => {
        live(Number(r[2]));
        if (r.length > 3) dead(r.slice(3) as string[]);
        return r;
      });
    // Each connection beats before its first admit: an instance killed before its timer's first
    // beat was never listed, so no other would ever free what it reserved (only the hour's sweep).
    // The epoch check after it puts back every reservation still running, so `revived` is moot here.
    const connect = () => {
      const restored = beatOnce().then(() => this.checkEpoch(), () => this.checkEpoch());
      this.restoring = restored;
      return restored.finally(() => {
        if (this.restoring === restored) this.restoring = null;
      });
    };
    link.onUp(() => {
      connected();
      void connect().then(() => this.flush()).then(() => this.floorsAfterFlush());
    });
    if (link.isUp()) void connect();
    const timer = setInterval(() => {
      if (link.isClosed()) return clearInterval(timer);
      if (!link.isUp()) return;
      beatOnce().then(
        (r) => {
          // Not listed any more while its connection stayed open: taken for dead (the process
          // stopped, or its host stalled, past deadAfterMs: the others freed its reservations), or
          // Redis was emptied under it (FLUSHALL). What a reconnection does: the reservations still
          // running go back, and the windows of the last minute too if the data set is gone.
          if (r[1] === 1 && !this.restoring) this.recheck();
        },
        () => {},
      );
    }, beat.everyMs);
    (timer as { unref?: () => void }).unref?.();
  }

  /** Work for Redis: sent now, or queued while Redis is down or when it fails. */
  toRedis(work: RedisWork): void {
    if (!this.link.isUp()) return this.queue(work);
    work().catch(() => this.queue(work));
  }

  queue(work: RedisWork): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      if (this.dropped === 1) this.warn?.('limits: too much counter work waiting for Redis; the oldest is dropped');
      this.pending.shift();
    }
    this.pending.push(work);
  }

  /** Work queued while Redis was down (bounded; what overflows is counted and warned about). */
  stats(): { pending: number; dropped: number } {
    return { pending: this.pending.length, dropped: this.dropped };
  }

  /**
   * Each connection: if Redis lost its data meanwhile (restarted without persistence: the epoch
   * key this instance saw is gone), the waiting work is dropped. Its reservations are gone with it,
   * and what the requests spent is in the logs, which each budget is seeded from again on its next
   * request (ADMIT asks for it): charging it as well would count it twice. Then the reservations
   * of the requests still running here that Redis no longer holds (lost with its data, or freed by
   * the others' heartbeat while this instance was cut off) are put back, or their budget, slots
   * and tokens would be free to others until they end.
   */
  private async checkEpoch(): Promise<void> {
    let lost: boolean;
    try {
      lost = await this.epoch.lost();
    } catch {
      return; // down again: the next connection checks
    }
    if (lost && this.pending.length) {
      this.warn?.(`limits: Redis lost its data; ${this.pending.length} waiting counter updates dropped (budgets are read again from the logs)`);
      this.pending.length = 0;
    }
    if (lost) {
      await this.leaveFloors();
      await this.rewindow();
    }
    await this.restoreEach();
    await this.releaseOrphans().catch(() => {});
  }

  /**
   * Redis lost its data: the budgets are seeded again from the logs, which lack the rows still
   * waiting in the instances' buffers (PostgreSQL away). The spend this instance last saw per
   * budget goes to Redis as a floor (FLOOR): a seed by any instance starts from at least it, and a
   * budget seeded already is raised to it. Only here, on the reconnection, never per request.
   */
  private async leaveFloors(): Promise<void> {
    const floors = this.floors();
    for (let i = 0; i < floors.length; i += 1_500) {
      await FLOOR.run(this.link, [], [this.link.prefix, ...floors.slice(i, i + 1_500)]).catch(() => {});
    }
  }

  /**
   * Redis lost its data: the RPM and TPM windows of the last minute went with it. The requests this
   * instance admitted and settled in that minute (through Redis, or from its own counters while
   * Redis was away, whose charges were just dropped) go back into them at their admission times, or
   * a key would be served its whole limit again at once (N instances' worth after an outage).
   */
  private async rewindow(): Promise<void> {
    const entries = this.recent?.within(this.now()) ?? [];
    for (let i = 0; i < entries.length; i += 200) {
      const args: (string | number)[] = [this.link.prefix, this.now()];
      for (const e of entries.slice(i, i + 200)) {
        args.push(e.id, e.at, e.tokens, e.tokensAt, e.scopes.length);
        for (const s of e.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm));
      }
      await REWINDOW.run(this.link, [], args).catch(() => {});
    }
  }

  /**
   * Frees what Redis holds for this instance beyond the requests it follows: an admit whose answer
   * was lost with its connection (Redis stalled past the ping, then ran it) reserved a slot, USD and
   * tokens for a request this instance served from its own counters. Left alone they would count
   * until the hour's sweep (a key with max_parallel 1 refused all that time). Run on each
   * connection, while admits wait: no admit is then under way whose id is not yet followed. A
   * request whose settle waits in the queue is no orphan: the settle bills it.
   */
  private async releaseOrphans(): Promise<void> {
    const held = (await this.link.send('SMEMBERS', [`${this.link.prefix}lim:held:${this.link.origin}`])) as string[];
    const settling = new Set(this.pending.map((w) => w.settles));
    const orphans = held.filter((id) => !this.redisAdmits.has(id) && !settling.has(id));
    for (let i = 0; i < orphans.length; i += 500) {
      await RELEASE.run(this.link, [], [this.link.prefix, this.link.origin, ...orphans.slice(i, i + 500)]);
    }
  }

  /** The epoch check of a connection, with admits and settles waiting for it (as on a connection). */
  private recheck(): void {
    const restored = this.checkEpoch();
    this.restoring = restored;
    void restored.finally(() => {
      if (this.restoring === restored) this.restoring = null;
    });
  }

  private restoreEach(): Promise<void> {
    return Promise.all([...this.redisAdmits].map(([id, a]) => this.restore(id, a).catch(() => {}))).then(() => {});
  }

  private restore(requestId: string, a: RedisAdmit): Promise<unknown> {
    const args: (string | number)[] = [this.link.prefix, requestId, a.worst, a.tokens, a.at, a.aliveAt, a.ended ? '1' : '0', this.link.origin, a.scopes.length];
    for (const s of a.scopes) args.push(s.key, opt(s.rpm), opt(s.tpm), periodKey(s.period, a.at));
    return RESTORE.run(this.link, [], args).then((r) => {
      a.unconfirmed = false;
      return r;
    });
  }

  /**
   * Every reconnection, once the work that waited is in: the spend this instance last saw per
   * budget (its own requests since included) as a floor. A Redis that came back with its data but
   * older (restored from a snapshot, a replica promoted before it had the last writes) keeps its
   * epoch and would otherwise have each budget forget what was spent since, and serve it again. A
   * Redis that kept everything is above every floor already: nothing changes.
   */
  private async floorsAfterFlush(): Promise<void> {
    if (this.pending.length || !this.link.isUp()) return;
    await this.leaveFloors();
  }

  /** Redis is back: what waited goes now, in order. */
  private async flush(): Promise<void> {
    while (this.pending.length && this.link.isUp()) {
      const work = this.pending.shift()!;
      try {
        await work();
      } catch {
        this.pending.unshift(work);
        return;
      }
    }
  }
}
