import { Type, type Static } from '@sinclair/typebox';
import { SQL } from 'bun';
import { hostname } from 'node:os';
import { Value } from '@sinclair/typebox/value';
import { PROVIDER_IDS, type ProviderId } from '../providers/types';
import { ConfigError, readBool, readSecret, readDuration, readHostList, readInt, readList, readNumber, readUrl, urlWithoutQueryValues } from './env-readers';
import { LimitsConfigSchema, RedisConfigSchema, readLimitsConfig, readRedisConfig } from './redis-config';

export { ConfigError };

// In a file of their own: src/startup/early-runtime-environment.ts reads them before anything heavy loads.
import { readUpstreamClient } from './upstream-client-config';
import { DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS_LIMIT, MAX_CONNECTIONS_VAR } from './upstream-limits';

const ProviderEnv = Type.Object({
  baseUrl: Type.Optional(Type.String({ minLength: 1 })),
  /** DeepSeek only: the base URL of its beta API (Chat Prefix Completion). */
  betaBaseUrl: Type.Optional(Type.String({ minLength: 1 })),
  apiKey: Type.Optional(Type.String({ minLength: 1 })),
  enabled: Type.Optional(Type.Boolean()),
  models: Type.Array(Type.String({ minLength: 1 })),
});

export const ConfigSchema = Type.Object({
  server: Type.Object({
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    maxBodyMb: Type.Number({ exclusiveMinimum: 0 }),
    /** A /v1 request body must have arrived this many seconds after the request did (408 otherwise). */
    bodyTimeoutS: Type.Number({ exclusiveMinimum: 0 }),
    /** Seconds a kept-alive client connection may sit idle between requests before it is closed. */
    keepAliveTimeoutS: Type.Integer({ minimum: 1, maximum: 255 }),
  }),
  database: Type.Object({
    path: Type.String({ minLength: 1 }),
    /** LLM_PROXY__DATABASE__URL=postgres://…: store everything in PostgreSQL (`path` is then ignored). */
    url: Type.Optional(Type.String({ minLength: 1 })),
  }),
  /** LLM_PROXY__INSTANCE_ID: names this instance in /health, log rows and metrics. */
  instanceId: Type.String({ minLength: 1 }),
  /** Raw LLM_PROXY__ENCRYPTION_KEY; resolved to bytes by resolveEncryptionKey. */
  encryptionKey: Type.Optional(Type.String()),
  admin: Type.Object({ password: Type.Optional(Type.String({ minLength: 1 })) }),
  providers: Type.Record(Type.String(), ProviderEnv),
  upstream: Type.Object({
    timeoutS: Type.Number({ exclusiveMinimum: 0 }),
    idleTimeoutS: Type.Number({ exclusiveMinimum: 0 }),
    /** Upstream requests in flight at once (the gateway's queue and Bun's fetch cap, see src/startup/fetch-cap.ts). */
    maxConnections: Type.Integer({ minimum: 1 }),
    /** How long a request waits for a free upstream slot before a 503 `overloaded`. */
    queueTimeoutS: Type.Number({ exclusiveMinimum: 0 }),
    /** The HTTP client that calls providers: whole answers on Bun's fetch and streams on the gateway's own on Bun's sockets (auto), or one of them for all (src/http/send-upstream.ts). */
    client: Type.Union([Type.Literal('auto'), Type.Literal('socket'), Type.Literal('fetch')]),
  }),
  security: Type.Object({ imageUrlAllowHosts: Type.Array(Type.String()) }),
  logging: Type.Object({
    retentionDays: Type.Number({ exclusiveMinimum: 0 }),
    /** Keep prompt and completion text in log rows (off: accounting only). */
    storeBodies: Type.Boolean(),
  }),
  /** Conversations of bridged /v1/responses kept for `previous_response_id` (table stored_responses). */
  responses: Type.Object({ store: Type.Boolean(), retentionDays: Type.Number({ exclusiveMinimum: 0 }) }),
  metrics: Type.Object({
    /** `GET /metrics` on/off. */
    enabled: Type.Boolean(),
    /** When set, /metrics needs `Authorization: Bearer <token>`. */
    token: Type.Optional(Type.String({ minLength: 1 })),
  }),
  mock: Type.Object({ latencyMs: Type.Number({ minimum: 0 }), chunks: Type.Integer({ minimum: 1 }) }),
  /** Shared state for several instances (src/redis/); off without a URL. */
  redis: RedisConfigSchema,
  limits: LimitsConfigSchema,
});

export type Config = Static<typeof ConfigSchema>;
export type ProviderEnvConfig = Static<typeof ProviderEnv>;

type Env = Record<string, string | undefined>;

function providerFromEnv(env: Env, id: ProviderId): ProviderEnvConfig {
  const p = `LLM_PROXY__PROVIDERS__${id.toUpperCase()}__`;
  // The well-known `<P>_API_KEY` names (OPENAI_API_KEY, ...) work too; the namespaced one wins.
  const plainName = `${id.toUpperCase()}_API_KEY`;
  const plainKey = id === 'ollama' || id === 'mock' ? undefined : env[plainName];
  // A blank namespaced key (`LLM_PROXY__PROVIDERS__OPENAI__API_KEY=` in a .env template) does not hide the plain one.
  const namespaced = env[`${p}API_KEY`]?.trim();
  const apiKey = readProviderKey(namespaced ? `${p}API_KEY` : plainName, namespaced || plainKey || undefined);
  return {
    baseUrl: readUrl(env, `${p}BASE_URL`),
    // Only DeepSeek serves a prefill at a base URL of its own (its beta API).
    ...(id === 'deepseek' ? { betaBaseUrl: readUrl(env, `${p}BETA_BASE_URL`) } : {}),
    apiKey,
    enabled: readBool(env, `${p}ENABLED`),
    models: readList(env, `${p}MODELS`),
  };
}

/**
 * A provider key from the environment, trimmed (a pasted key often ends in a newline). It goes out
 * in an Authorization or x-api-key header, so anything but printable ASCII inside it stops the
 * start (it would fail every request with a 502 and count against the circuit breaker).
 */
function readProviderKey(name: string, value: string | undefined): string | undefined {
  const key = value?.trim();
  if (!key) return undefined;
  if (/[^\x21-\x7e]/.test(key)) throw new ConfigError(`${name} must be printable ASCII with no spaces (a provider key); check for a stray character or quote`);
  return key;
}

/**
 * `LLM_PROXY__DATABASE__PATH`, trimmed: bun:sqlite trims the name it opens, so ` ./x.db` opened
 * `./x.db` while the file made beforehand (mode 0600) was ` ./x.db`, and a blank value opened a
 * private temporary database: served from, lost at exit, and not the one the log writer opens.
 * `:memory:` is refused for the same reason (the log writer could not reach it), and a leading `~` (see below).
 */
function readDatabasePath(env: Env): string {
  const path = env.LLM_PROXY__DATABASE__PATH?.trim() || './data/gophergate.db';
  if (path === ':memory:')
    throw new ConfigError('LLM_PROXY__DATABASE__PATH cannot be :memory: (request logs are written from another thread, which needs a file); give it a file path, e.g. /tmp/gophergate.db.');
  // Only a shell expands ~, and only where it parses the line: a .env file, Compose's environment and
  // systemd's Environment= pass it as written, so `~/gg/x.db` made a folder named ~ in the working directory.
  if (path.startsWith('~'))
    throw new ConfigError(
      `LLM_PROXY__DATABASE__PATH starts with ~, which is not expanded here (got "${path}"): write the full path, e.g. /home/me/gophergate/gophergate.db, or ./~/… for a folder really named ~.`,
    );
  return path;
}

/** `LLM_PROXY__DATABASE__URL`: only PostgreSQL URLs (the SQLite file is LLM_PROXY__DATABASE__PATH). */
function readDatabaseUrl(env: Env): string | undefined {
  const v = env.LLM_PROXY__DATABASE__URL?.trim();
  if (!v) return undefined;
  if (!/^postgres(ql)?:\/\/./.test(v)) {
    throw new ConfigError(
      'LLM_PROXY__DATABASE__URL must be a PostgreSQL URL (postgres://user@host:5432/db); for SQLite set LLM_PROXY__DATABASE__PATH instead',
    );
  }
  // Bun's client parses the URL only when the store opens, and a URL it cannot read (a port past
  // 65535, a `%` not followed by two hex digits, an unknown sslmode) threw there with a stack
  // trace. Making a client here connects nothing and reads it exactly as the store will.
  try {
    void new SQL({ url: v, max: 1 }).close();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      `LLM_PROXY__DATABASE__URL cannot be read as a PostgreSQL URL (${why}); write it as postgres://user:password@host:5432/db, ` +
        'with a port from 1 to 65535 and any special character of the user or password percent-encoded (% as %25, @ as %40)',
    );
  }
  refuseUnnamedDatabase(v);
  return v;
}

/**
 * A URL that names no database (`postgres://user@host:5432/`) connects to the database named after
 * the user (PostgreSQL's default; Bun's client does the same), often the shared `postgres` one, and
 * the gateway would create its tables there without a word. The operator almost certainly forgot
 * the name, so the start is refused before anything connects. `?dbname=` names one too (Bun reads it).
 */
function refuseUnnamedDatabase(v: string): void {
  const url = new URL(v);
  const named = decodeURIComponent(url.pathname.replace(/^\/+/, '')).trim() !== '' || !!url.searchParams.get('dbname')?.trim();
  if (named) return;
  const query = v.indexOf('?');
  const base = query < 0 ? v : v.slice(0, query);
  const example = `${base.replace(/\/*$/, '')}/gophergate${query < 0 ? '' : v.slice(query)}`;
  throw new ConfigError(
    `LLM_PROXY__DATABASE__URL names no database (${urlWithoutQueryValues(v)}): PostgreSQL would use the one named after the user, often the shared "postgres" database, ` +
      `for GopherGate's tables; add the database's name to the URL, e.g. ${urlWithoutQueryValues(example)} (create it first: createdb gophergate)`,
  );
}

/** Host name and pid: unique among instances on one machine and across machines. */
const defaultInstanceId = () => `${hostname()}-${process.pid}`;

/** Reads and validates the configuration; throws ConfigError with a fix-it message. */
export function loadConfig(env: Env): Config {
  const providers: Record<string, ProviderEnvConfig> = {};
  for (const id of PROVIDER_IDS) providers[id] = providerFromEnv(env, id);
  const config: Config = {
    server: {
      // Trimmed, as the other settings are: ` 127.0.0.1` or a value ending in a newline (a secret file,
      // a .env line with a trailing space) would otherwise fail the start as "not an address"; blank is the default.
      host: env.LLM_PROXY__SERVER__HOST?.trim() || '0.0.0.0',
      port: readInt(env, 'LLM_PROXY__SERVER__PORT', 8080, 0, 65535),
      maxBodyMb: readNumber(env, 'LLM_PROXY__SERVER__MAX_BODY_MB', 32, 0.001),
      bodyTimeoutS: readDuration(env, 'LLM_PROXY__SERVER__BODY_TIMEOUT_S', 60, 0.001, 's'),
      keepAliveTimeoutS: readInt(env, 'LLM_PROXY__SERVER__KEEPALIVE_TIMEOUT_S', 30, 1, 255),
    },
    database: { path: readDatabasePath(env), url: readDatabaseUrl(env) },
    instanceId: env.LLM_PROXY__INSTANCE_ID?.trim() || defaultInstanceId(),
    // Not readSecret: decodeKey trims it, and a value of only a newline (an empty secret file) stops the start rather than using a key file.
    encryptionKey: env.LLM_PROXY__ENCRYPTION_KEY || undefined,
    admin: { password: readSecret(env, 'LLM_PROXY__ADMIN__PASSWORD') },
    providers,
    upstream: {
      timeoutS: readDuration(env, 'LLM_PROXY__UPSTREAM__TIMEOUT_S', 600, 0.001, 's'),
      idleTimeoutS: readDuration(env, 'LLM_PROXY__UPSTREAM__IDLE_TIMEOUT_S', 120, 0.001, 's'),
      maxConnections: readInt(env, MAX_CONNECTIONS_VAR, DEFAULT_MAX_CONNECTIONS, 1, MAX_CONNECTIONS_LIMIT),
      queueTimeoutS: readDuration(env, 'LLM_PROXY__UPSTREAM__QUEUE_TIMEOUT_S', 10, 0.001, 's'),
      client: readUpstreamClient(env),
    },
    security: { imageUrlAllowHosts: readHostList(env, 'LLM_PROXY__SECURITY__IMAGE_URL_ALLOW_HOSTS') },
    logging: {
      retentionDays: readNumber(env, 'LLM_PROXY__LOGGING__RETENTION_DAYS', 30, 0.001),
      storeBodies: readBool(env, 'LLM_PROXY__LOGGING__STORE_BODIES') ?? false,
    },
    responses: {
      store: readBool(env, 'LLM_PROXY__RESPONSES__STORE') ?? true,
      retentionDays: readNumber(env, 'LLM_PROXY__RESPONSES__RETENTION_DAYS', 30, 0.001),
    },
    metrics: {
      enabled: readBool(env, 'LLM_PROXY__METRICS__ENABLED') ?? true,
      // Trimmed: a token from a secret file often ends in a newline, and the header's value is trimmed too.
      token: env.LLM_PROXY__METRICS__TOKEN?.trim() || undefined,
    },
    mock: {
      latencyMs: readDuration(env, 'LLM_PROXY__PROVIDERS__MOCK__LATENCY_MS', 0, 0, 'ms'),
      chunks: readInt(env, 'LLM_PROXY__PROVIDERS__MOCK__CHUNKS', 5, 1, 10_000),
    },
    redis: readRedisConfig(env),
    limits: readLimitsConfig(env),
  };
  // The readers above already refuse bad values with a message; this guards the shape itself.
  const first = Value.Errors(ConfigSchema, config).First();
  if (first) throw new ConfigError(`configuration value ${first.path} is invalid: ${first.message}`);
  return config;
}
