import type { Database } from 'bun:sqlite';
import type { PulledOllamaModels } from './providers/ollama/pulled-models';
import type { Config } from './config/config';
import type { Db } from './db/client';
import type { Store } from './db/store';
import type { LogSink } from './logging/log-sink-interface';
import type { DeliveryLogSink } from './logging/delivery-log-sink';
import type { StateStore } from './state/state-store';
import type { SecretBox } from './crypto/secret-box';
import type { ProviderId } from './providers/types';
import type { ProviderKeyPool } from './key-pool/key-pool';
import type { RedisLink } from './redis/redis-link';
import type { ReasoningStore } from './providers/openai-compatible/reasoning-memory';
import type { UpstreamSlots } from './proxy/upstream-slots';
import type { PendingLogWrites } from './proxy/pending-log-writes';
import type { LimitsService } from './limits/limits-service';
import type { TokenCounter } from './usage/token-counter';
import type { GatewayMetrics } from './metrics/gateway-metrics';
import type { ScoreCache } from './routing/score-cache';
import type { AdapterDeps } from './providers/types';
import type { BackgroundFollower } from './responses/background-follower';
import type { BackgroundJobs } from './responses/bridged-background';
import type { ResponseStore } from './responses/response-store';
import type { AuthRuntime } from './auth/auth-runtime';
import type { CircuitBreakers, FailureKind } from './routing/circuit-breaker';
import type { BunMonitorHub } from './monitor/monitor-hub';

/** Shared resources, built once in main.ts (or a test) and handed to every feature plugin. */
export interface AppContext {
  config: Config;
  sqlite: Database;
  db: Db;
  /** The store behind db: SQLite, or PostgreSQL with LLM_PROXY__DATABASE__URL (src/db/store.ts). */
  store: Store;
  state: StateStore;
  secretBox: SecretBox;
  logSink: LogSink;
  /** The outermost log sink: holds a whole answer's row until its body went out (src/logging/delivery-log-sink.ts). */
  deliveries: DeliveryLogSink;
  /** Circuit breakers with their views (src/routing/circuit-breaker.ts; shared through Redis when set). */
  breakers: CircuitBreakers;
  /** The live monitor's WebSocket subscribers (src/monitor/monitor-hub.ts; relayed through Redis when set). */
  monitor: BunMonitorHub;
  startedAt: number;
  /** The wall clock a request starts by, epoch ms: its row's created_at and the time-of-day prices it bills at (tests set the hour). */
  requestClock: () => number;
  /** Dashboard sessions and sign-ins: the clock, the session cache, the login throttle (src/auth/auth-runtime.ts). */
  auth: AuthRuntime;
  /** Provider key pools: weighted choice of a provider's key, cooldowns and set-aside keys (src/key-pool/). */
  keyPool: ProviderKeyPool;
  /** Redis, when LLM_PROXY__REDIS__URL is set: the one connection owner for shared state (src/redis/). */
  redis: RedisLink | null;
  /** DeepSeek's and Kimi's reasoning of tool-call turns, by call (providers/openai-compatible/reasoning-quirk.ts; shared with Redis). */
  reasoning: ReasoningStore;
  /** Upstream requests in flight and waiting (LLM_PROXY__UPSTREAM__MAX_CONNECTIONS, src/proxy/upstream-slots.ts). */
  upstreamSlots: UpstreamSlots;
  /** Log rows waiting for a token estimate; shutdown waits for them (src/proxy/pending-log-writes.ts). */
  pendingLogWrites: PendingLogWrites;
  /** Key and team limits: counters, their clock, refusal and team-spend tallies (src/limits/). */
  limits: LimitsService;
  /** Token counts for usage estimates, on their own worker (src/usage/token-counter.ts; the process's one). */
  tokenCounter: TokenCounter;
  /** Request counters and latency series, fed by the log sink (src/metrics/). */
  metrics: GatewayMetrics;
  /** Classifier scores of routing groups, LRU with TTL, no prompt text (src/routing/score-cache.ts). */
  scoreCache: ScoreCache;
  /** The models the configured Ollama has pulled, for GET /v1/models (its /api/tags, cached: src/providers/ollama/pulled-models.ts). */
  ollamaModels: PulledOllamaModels;
  /** Side services for provider adapters (the image fetcher holds the allow-list). */
  adapterDeps: AdapterDeps;
  /** Stored Responses API answers (src/responses/response-store.ts). */
  responseStore: ResponseStore;
  /** `background: true` responses read back until they end, so their rows carry their usage (src/responses/background-follower.ts). */
  backgroundResponses: BackgroundFollower;
  /** Bridged (non-OpenAI) `background: true` responses the gateway runs itself, on this instance (src/responses/bridged-background.ts). */
  backgroundJobs: BackgroundJobs;
}
