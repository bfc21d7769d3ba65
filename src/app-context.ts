import type { Database } from 'bun:sqlite';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from './config/config';
import type { AppContext } from './context';
import { createBreakerRegistry, type CircuitBreakers } from './routing/circuit-breaker';
import { encryptionKeyFile, resolveEncryptionKey } from './crypto/encryption-key';
import { pgKeyedSecrets, sqliteKeyedSecrets } from './crypto/keyed-secrets';
import { SecretBox } from './crypto/secret-box';
import { closeSqlite, openDatabase } from './db/client';
import { runMigrations } from './db/migrate';
import { seedDatabase } from './db/seed/seed';
import { fillKeyFingerprints } from './admin/key-fingerprints';
import { fillTeamNameKeys } from './admin/team-name-key';
import { fillClientNameKeys } from './admin/client-name-key';
import type { LogSink } from './logging/log-sink-interface';
import { createLogSink } from './logging/log-sink';
import { DeliveryLogSink } from './logging/delivery-log-sink';
import { MeteredLogSink } from './metrics/metered-log-sink';
import { connectMonitor } from './monitor/connect-monitor';
import { clientNameIn } from './monitor/client-name-index';
import { BunMonitorHub } from './monitor/monitor-hub';
import { StateStore } from './state/state-store';
import { ProviderKeyPool } from './key-pool/key-pool';
import { sqliteStore, type Store } from './db/store';
import { watchSqliteFile } from './db/sqlite-file-watch';
import { migratePg, openPgStore } from './db/pg-store';
import { createPgLogSink } from './logging/pg-log-sink';
import { stampInstance } from './logging/stamp-instance';
import { RedisLink } from './redis/redis-link';
import { RedisClock } from './redis/redis-clock';
import { connectChangeNotices } from './redis/change-notices';
import { checkDeploymentMark } from './redis/deployment-check';
import { shareBreakers } from './redis/shared-breakers';
import { RedisKeyStateStore } from './redis/redis-key-state-store';
import { relayMonitor } from './redis/monitor-relay';
import { RedisReasoningStore } from './redis/redis-reasoning-store';
import { ReasoningMemory } from './providers/openai-compatible/reasoning-memory';
import { ResponsesOnlyModels } from './providers/openai/responses-only-models';
import { SharedLoginThrottle } from './redis/shared-login-throttle';
import { AuthRuntime } from './auth/auth-runtime';
import { UpstreamSlots } from './proxy/upstream-slots';
import { PendingLogWrites } from './proxy/pending-log-writes';
import type { LimitCounters } from './limits/limit-counters';
import { LimitsLogSink } from './limits/limits-log-sink';
import { LimitsService } from './limits/limits-service';
import { GatewayMetrics } from './metrics/gateway-metrics';
import { ScoreCache } from './routing/score-cache';
import { createUrlFetcher } from './providers/shared/fetch-url';
import { PulledOllamaModels } from './providers/ollama/pulled-models';
import { sendUpstream } from './http/send-upstream';
import { ResponseStore } from './responses/response-store';
import { endResponsesOfDead, failOrphanedResponses } from './responses/orphaned-responses';
import { BackgroundFollower } from './responses/background-follower';
import { BackgroundJobs } from './responses/bridged-background';
import { RedisLimitCounters } from './limits/redis-limit-counters';
import { tokenCounter, type TokenCounter } from './usage/token-counter';

export interface ContextOverrides {
  logSink?: LogSink;
  /** Circuit breakers (tests pass a registry with their own threshold or clock; with Redis they are shared). */
  breakers?: CircuitBreakers;
  monitor?: BunMonitorHub;
  /** Provider key pools (tests pass one with their own clock). */
  keyPool?: ProviderKeyPool;
  warn?: (msg: string) => void;
  /** Limit counters (default: in memory). */
  limitCounters?: LimitCounters;
  /** Clock of the limit counters, epoch ms (tests move it by hand). */
  limitsClock?: () => number;
  /** Clock of sessions and the login throttle, epoch ms (tests move it by hand). */
  authClock?: () => number;
  /** Wall clock of requests, epoch ms: a row's created_at and the time-of-day prices it bills at (tests set the hour). */
  requestClock?: () => number;
  /** Background responses followed to their end (tests pass one that reads back sooner). */
  backgroundResponses?: BackgroundFollower;
  /** Token counter of usage estimates (tests pass one they hold back). */
  tokenCounter?: TokenCounter;
}


/** The real sink: a Bun worker batching rows into SQLite (created after migrations: it prepares its statements). */
const workerSink = (config: Config, warn?: (msg: string) => void): LogSink =>
  createLogSink({ dbPath: config.database.path, retentionDays: config.logging.retentionDays, warn });

const providerKeys = (state: StateStore) =>
  [...state.getSnapshot().providers.values()].flatMap((p) => [...(p.apiKey ? [p.apiKey] : []), ...(p.keys ?? []).map((k) => k.apiKey)]);

/**
 * Builds everything the app shares: opens (creating) the database, migrates and seeds it,
 * loads the encryption key and the in-memory snapshot. Used by main.ts and by tests.
 */
export function createAppContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const { sqlite, db } = openDatabase(config.database.path);
  runMigrations(db);
  seedDatabase(db, { adminPassword: config.admin.password });
  const held = () => sqliteKeyedSecrets(sqlite, resolve(config.database.path));
  let secretBox: SecretBox;
  try {
    secretBox = new SecretBox(resolveEncryptionKey(config.encryptionKey, config.database.path, overrides.warn, held));
  } catch (err) {
    closeSqlite(sqlite); // a refused start leaves the file whole (no -wal beside it)
    throw err;
  }
  const state = new StateStore(db, sqlite, config, secretBox);
  const file = watchSqliteFile(config.database.path, overrides.warn ?? console.error);
  // Responses a process killed outright left running: nothing runs them now (src/responses/orphaned-responses.ts).
  failOrphanedResponses(sqlite);
  return assembleContext(config, overrides, sqliteStore(sqlite, db, file), state, secretBox, () => workerSink(config, overrides.warn));
}

/**
 * createAppContext for either store: SQLite (synchronous, as above) or PostgreSQL when
 * LLM_PROXY__DATABASE__URL is set (migrations and seed under an advisory lock, so instances may
 * start at once). main.ts and the test gateway use this.
 */
export async function openAppContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const url = config.database.url;
  if (!url) return withStartupFills(createAppContext(config, overrides), overrides);
  await migratePg(url, { adminPassword: config.admin.password });
  const store = openPgStore(url);
  // A key file would be generated: not for a database holding provider keys stored under another key.
  const held = !config.encryptionKey && !existsSync(encryptionKeyFile(config.database.path)) ? await pgKeyedSecrets(store, url) : null;
  let secretBox: SecretBox;
  try {
    secretBox = new SecretBox(resolveEncryptionKey(config.encryptionKey, config.database.path, overrides.warn, () => held));
  } catch (err) {
    await store.close();
    throw err;
  }
  // After the key (a refused start shows its error alone). The key file fallback sits beside a
  // SQLite file; several instances need LLM_PROXY__ENCRYPTION_KEY.
  if (!config.encryptionKey) {
    (overrides.warn ?? console.warn)(
      '[gophergate] LLM_PROXY__DATABASE__URL is set but LLM_PROXY__ENCRYPTION_KEY is not: this instance uses a key file of its own, so ' +
        'sessions and stored provider keys will not work across instances. Set the same LLM_PROXY__ENCRYPTION_KEY on every instance.',
    );
  }
  const state = await StateStore.open(store, config, secretBox);
  const sqliteGone = new Proxy({}, {
    get: () => {
      throw new Error('ctx.sqlite is not available on PostgreSQL; use ctx.store');
    },
  }) as Database;
  const sink = () => createPgLogSink(store.client, { retentionDays: config.logging.retentionDays, warn: overrides.warn });
  return withStartupFills({ ...assembleContext(config, overrides, store, state, secretBox, sink), sqlite: sqliteGone }, overrides);
}

/**
 * Pool keys stored before their fingerprint existed get it now (src/admin/key-fingerprints.ts),
 * teams and client keys made before their name key existed theirs (src/admin/team-name-key.ts,
 * src/admin/client-name-key.ts).
 */
async function withStartupFills(ctx: AppContext, overrides: ContextOverrides): Promise<AppContext> {
  for (const w of await fillKeyFingerprints(ctx.db, ctx.secretBox)) (overrides.warn ?? console.warn)(w);
  for (const w of await fillTeamNameKeys(ctx.db)) (overrides.warn ?? console.warn)(w);
  await fillClientNameKeys(ctx.db);
  return ctx;
}

function assembleContext(
  config: Config,
  overrides: ContextOverrides,
  store: Store,
  state: StateStore,
  secretBox: SecretBox,
  defaultSink: () => LogSink,
): AppContext {
  const { db } = store;
  const sqlite = store.sqlite!;
  // Several instances: Redis connects in the background and reconnects by itself (src/redis/redis-link.ts).
  // The link's and the limit counters' warnings (Redis lost, its data lost, work dropped) reach stderr.
  const redisWarn = overrides.warn ?? ((m: string) => console.error(`[gophergate] ${m}`));
  const redis = config.redis.url ? new RedisLink(config.redis.url, config.redis.prefix, { warn: redisWarn }).start() : null;
  // Sessions and sign-ins: 12 h sessions, cached 5 s; 5 failures lock a user, 20 an address (src/auth/auth-runtime.ts).
  const auth = new AuthRuntime({
    now: overrides.authClock,
    // Several instances: failed sign-ins add up over all of them (src/redis/shared-login-throttle.ts).
    throttle: redis ? (now) => new SharedLoginThrottle(now, redis) : undefined,
    // SQLite: a commit by another process (`--reset-admin`) empties the session cache at once.
    sqlite: store.sqlite,
  });
  // Admin changes made here reach the other instances' snapshots and session caches, and theirs reach this one.
  if (redis) connectChangeNotices(redis, state, auth);
  // Gateways of another deployment, or an instance with another encryption key, on this prefix: said on stderr.
  if (redis) checkDeploymentMark(redis, secretBox.fingerprint('gophergate/redis-deployment'), redisWarn);
  const localBreakers = overrides.breakers ?? createBreakerRegistry();
  // Several instances: failures add up in Redis and open the circuit everywhere (src/redis/shared-breakers.ts).
  const breakers = redis ? shareBreakers(localBreakers, redis, overrides.warn) : localBreakers;
  // Either store (PostgreSQL: awaited reads and writes, see src/responses/response-store.ts). Each
  // bridged response running here is stored with this instance's identity in Redis (its runner).
  const responseStore = new ResponseStore(store, { enabled: config.responses.store, retentionDays: config.responses.retentionDays, runner: redis?.origin ?? null });
  // An instance this one's heartbeat takes for dead: its responses still running are stored failed (src/responses/orphaned-responses.ts).
  const deadInstances = (origins: string[]) => endResponsesOfDead(store, origins, redisWarn);
  const limits = new LimitsService(store, {
    // Several instances: counted in Redis, one script per admit and per settle (src/limits/redis-limit-counters.ts).
    counters: overrides.limitCounters ?? (redis ? new RedisLimitCounters(redis, config.limits.failMode, redisWarn, undefined, deadInstances) : undefined),
    // Several instances: every one stamps the shared windows and periods on Redis's clock (src/redis/redis-clock.ts).
    now: overrides.limitsClock ?? (redis ? new RedisClock(redis).now : undefined),
  });
  // Budgeted keys and teams start from their period's spend in the logs, now and after each change.
  const seed = (snap: ReturnType<StateStore['getSnapshot']>) =>
    limits.seed(snap).catch((err) => console.error('[gophergate] reading budget spend:', err?.message ?? err));
  void seed(state.getSnapshot());
  state.onChange((snap) => void seed(snap));
  // Shared counters: each Redis connection reloads the snapshot (change notices), which seeds budgets into Redis too.
  // Provider keys in use are scrubbed verbatim from anything the monitor broadcasts; client
  // names come from the snapshot so a client created after a monitor page opened shows by name.
  // Model labels: the models table's ids always; other names (forwarded provider/<name>) bounded.
  const metrics = new GatewayMetrics({ isListedModel: (id) => state.getSnapshot().models.has(id) });
  const monitor = overrides.monitor ?? new BunMonitorHub(() => providerKeys(state), (id) => clientNameIn(state.getSnapshot(), id));
  // Several instances: every instance's requests reach every monitor (src/redis/monitor-relay.ts).
  if (redis) relayMonitor(monitor, redis);
  // A sign-out, password change or deleted user (here, or told by another instance) ends its live
  // monitor at once, not at the hub's periodic check.
  auth.onSessionsEnded(() => monitor.revalidateSoon());
  // DeepSeek's reasoning_content by tool call id, bounded (10k ids, 1 h); several instances: also in Redis.
  const reasoning = redis ? new RedisReasoningStore(redis) : new ReasoningMemory();
  // Metrics observe every record on its way to the writer (src/metrics/metered-log-sink.ts).
  // The monitor hears of each record from the sink (after commit, for the worker sink).
  // Limits settle each request's reservation from its row (src/limits/limits-log-sink.ts).
  // A whole answer's row waits until its body went out (src/logging/delivery-log-sink.ts).
  const sink = overrides.logSink ?? defaultSink();
  // A budget's seed adds the rows the writer still holds (src/limits/spend-queries.ts).
  if (sink.unwritten) limits.useUnwrittenRows(() => sink.unwritten!());
  const deliveries = new DeliveryLogSink(
    new MeteredLogSink(new LimitsLogSink(stampInstance(connectMonitor(sink, monitor), config.instanceId), limits, state), metrics),
  );
  return {
    config,
    sqlite,
    db,
    state,
    secretBox,
    logSink: deliveries,
    deliveries,
    store,
    // Defaults: 5 consecutive retryable failures open a circuit for 30 s (src/routing/circuit-breaker.ts).
    breakers,
    monitor,
    startedAt: Date.now(),
    requestClock: overrides.requestClock ?? Date.now,
    auth,
    // Several instances: cooldowns and set-aside keys are shared (src/redis/redis-key-state-store.ts).
    keyPool: overrides.keyPool ?? new ProviderKeyPool(redis ? new RedisKeyStateStore(redis, overrides.warn) : undefined, Date.now, overrides.warn ?? ((m) => console.warn(`[gophergate] ${m}`))),
    upstreamSlots: new UpstreamSlots(config.upstream.maxConnections, config.upstream.queueTimeoutS * 1000),
    pendingLogWrites: new PendingLogWrites(),
    limits,
    tokenCounter: overrides.tokenCounter ?? tokenCounter,
    metrics,
    scoreCache: new ScoreCache(),
    // Asked of Ollama only by GET /v1/models, at most every 10 s (src/providers/ollama/pulled-models.ts).
    ollamaModels: new PulledOllamaModels((req, signal) => sendUpstream(config.upstream.client, req, signal, true)),
    adapterDeps: {
      fetchImage: createUrlFetcher({ allowHosts: config.security.imageUrlAllowHosts }),
      fetchDocument: createUrlFetcher({ allowHosts: config.security.imageUrlAllowHosts, kind: 'document' }),
      mock: config.mock,
      reasoning,
      // OpenAI's models its chat API refuses ("only supported in v1/responses"), as learned from its 404s.
      responsesOnly: new ResponsesOnlyModels(),
    },
    responseStore,
    // Each background response is read back (2 s, then 1.5x longer, at most 30 s apart; 3 h at most) until it ends.
    backgroundResponses: overrides.backgroundResponses ?? new BackgroundFollower(),
    backgroundJobs: new BackgroundJobs(),
    redis,
    reasoning,
  };
}
