#!/usr/bin/env bun
// First: may re-execute the process with Bun's fetch cap and heap growth before the app loads (see the file).
import './startup/early-runtime-environment';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openAppContext } from './app-context';
import { encryptionKeySource } from './crypto/encryption-key';
import { HELP, parseArgs } from './cli-args';
import { ConfigError, loadConfig, type Config } from './config/config';
import { dotenvLineWarnings, environmentWithDotenv } from './config/dotenv';
import { mockUnusedSettingWarnings, redisUnusedSettingWarnings, unknownSettingWarnings } from './config/unknown-settings';
import { perInstanceLimitsWarning } from './config/redis-config';
import { PROXY_VARS } from './config/upstream-client-config';
import { closeSqlite, openDatabase } from './db/client';
import { runMigrations } from './db/migrate';
import { resetAdmin, resetAdminAsync, seedDatabase } from './db/seed/seed';
import { migratePg, openPgStore } from './db/pg-store';
import { listen } from './serve';
import { caseTwinWarnings, storedRuleWarnings } from './startup/stored-group-warnings';
import { envModelWarnings } from './startup/env-model-warnings';
import { badBaseUrlWarnings, newlyUnreadableKeyWarnings, trimmedBaseUrlWarnings, unreadableKeyWarnings } from './startup/stored-provider-warnings';
import { prepareRuntime } from './startup/prepare-runtime';
import { localUrl, urlHost } from './startup/local-url';
import { signInHint } from './startup/sign-in-hint';
import { newDatabaseNote } from './startup/reset-admin-note';
import { ownKeyCopyWarnings } from './startup/own-key-copy-warnings';
import { runHealthcheck } from './startup/healthcheck';
import { startedIgnoring } from './startup/inherited-ignore';
import { keepServingOnStrayRejections } from './startup/stray-rejections';
import { announceSessionsEnded } from './redis/change-notices';
import { redisDownReason } from './redis/redis-diagnosis';
import { redisDownAtStartMessage, startupFailureMessage, type StartupStep } from './startup/startup-failure';
import { VERSION } from './version';

function readConfig(): Config {
  try {
    return loadConfig(environmentWithDotenv(process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`gophergate: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Runs one start-up step; a failure from outside the program (a bad setting, a read-only or full
 * disk, a port in use) stops the start with one line naming the setting, not a stack trace.
 */
async function step<T>(what: StartupStep, config: Config, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const message = startupFailureMessage(err, what, config);
    if (message === null) throw err;
    console.error(`gophergate: ${message}`);
    process.exit(1);
  }
}

async function runResetAdmin(config: Config): Promise<void> {
  if (config.database.url) {
    // PostgreSQL: the same reset, on the shared database (every instance sees it).
    const url = config.database.url;
    const { what, username } = await step('store', config, async () => {
      // No configured password: the reset replaces it at once (and a weak one must not stop the reset).
      await migratePg(url);
      const store = openPgStore(url);
      const result = await resetAdminAsync(store.db);
      await store.close();
      return result;
    });
    console.log(
      `gophergate: ${what === 'reset' ? 'reset' : 'created'} user '${username}' in PostgreSQL with password 'admin123'; ` +
        'a new password must be chosen at the next login. Existing admin sessions were signed out.',
    );
    // Running instances serve sessions from a cache they drop on a change notice.
    if (config.redis.url && !(await announceSessionsEnded(config.redis.url, config.redis.prefix))) {
      console.error('gophergate: Redis could not be told (LLM_PROXY__REDIS__URL); running instances refuse the signed-out sessions within 5 s.');
    }
    return;
  }
  // Run from another folder than the gateway's (a supervisor's is often `/`), the reset would make a
  // new database there and say it reset admin, while the gateway's admin keeps its password.
  const isNew = !existsSync(config.database.path);
  const { what, username } = await step('store', config, () => {
    const { sqlite, db } = openDatabase(config.database.path);
    runMigrations(db);
    seedDatabase(db); // without the configured password, as above
    const result = resetAdmin(db);
    closeSqlite(sqlite);
    return result;
  });
  console.log(
    `gophergate: ${what === 'reset' ? 'reset' : 'created'} user '${username}' in ${resolve(config.database.path)} with password 'admin123'; ` +
      'a new password must be chosen at the next login. Existing admin sessions were signed out.',
  );
  if (isNew) console.error(newDatabaseNote(resolve(config.database.path)));
}

async function serve(config: Config): Promise<void> {
  // Bun's fetch cap from the configuration (may re-execute this process) and the fd limit raised.
  const fdWarning = prepareRuntime(config);
  const ctx = await step('store', config, () => openAppContext(config));
  ctx.state.watch();
  // Serving starts without Redis too (limits then follow LLM_PROXY__LIMITS__FAIL_MODE); /health says `redis: down`.
  if (ctx.redis && !(await ctx.redis.whenUp(3_000))) console.error(redisDownAtStartMessage(config.redis.url!, await redisDownReason(config.redis.url!, ctx.redis.lastError()), config.limits.failMode));
  const server = (await step('listen', config, () => listen(ctx, config.server.host, config.server.port))).server!;
  // The handlers before the line saying it listens: a supervisor (or a test) may signal as soon as it
  // reads that line, and a SIGTERM before them was the default action, an exit with no drain.
  let stopping = false;
  let cutting = false;
  let firstSignalAt = 0;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal (Ctrl-C again): a stream may run for hours, so stop waiting for it. The
      // upstream calls still in flight are ended: each request answers 503 shutting_down (a stream
      // ends with it as its error event) and writes its row; a client that does not take that within
      // 2 s is cut. The drain below goes on: log rows and stored conversations are still written, exit code 0.
      // One within a second of the first is that one delivered twice (`timeout` signals the
      // process and then its group), not a second request.
      if (cutting || performance.now() - firstSignalAt < 1_000) return;
      cutting = true;
      console.log(`gophergate: ${signal} received again, ending the requests still in flight with 503 shutting_down (each keeps its log row)`);
      ctx.upstreamSlots.cutAll();
      setTimeout(() => void server.stop(true), 2_000);
      return;
    }
    stopping = true;
    firstSignalAt = performance.now();
    console.log(`gophergate: ${signal} received, draining in-flight requests and the log queue (${signal} again cuts them)`);
    // Stop accepting; in-flight requests (streams included) run to the end. Monitor sockets would
    // never end by themselves: they are closed (their pages reconnect once a server answers).
    const stopped = server.stop(false);
    ctx.monitor.closeAll();
    await stopped;
    // Background responses still running at OpenAI: read once more, then their rows are written.
    // Bridged ones this instance runs: a while to end, then cancelled (each writes its row).
    await Promise.all([ctx.backgroundResponses.drain(), ctx.backgroundJobs.drain()]);
    // Rows waiting for a token estimate; bounded, so a stuck counter cannot hold the shutdown.
    const settled = await Promise.race([ctx.pendingLogWrites.settled().then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!settled) console.error('gophergate: gave up waiting for token estimates after 10 s; their log rows are lost');
    // Conversations finished during the drain (their follow-ups may go to another instance).
    await ctx.responseStore.close();
    await ctx.logSink.close();
    ctx.state.stop();
    ctx.redis?.close();
    await ctx.store.close();
    console.log('gophergate: stopped cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  keepServingOnStrayRejections();
  // SIGINT (Ctrl-C) and SIGHUP (the terminal it ran in closed: an ssh session ended) stop it as
  // cleanly, rather than die with rows queued; so do SIGUSR1 and SIGUSR2, whose default action is
  // also an exit at once (a tool that sends one to reopen logs or to restart a Node server, such
  // as nodemon, waits for the process to end). Not when it started with them ignored, as a
  // handler would undo that: under nohup (SIGHUP) logging out stopped it, and as a script's async
  // command (SIGINT: deploy.sh's `nohup ./gophergate &`) a Ctrl-C meant for the script did.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) if (!startedIgnoring(signal)) process.on(signal, () => void shutdown(signal));
  console.log(`gophergate ${VERSION} listening on http://${urlHost(config.server.host)}:${server.port} (${config.database.url ? `PostgreSQL, instance ${config.instanceId}` : `database ${resolve(config.database.path)}`})`);
  // Warnings about a running server only once it runs: a start that fails shows its error alone.
  if (fdWarning) console.error(fdWarning);
  const alone = perInstanceLimitsWarning(config.database.url, config.redis.url);
  if (alone) console.warn(alone);
  const settings = environmentWithDotenv(process.env);
  for (const w of [...unknownSettingWarnings(settings), ...mockUnusedSettingWarnings(settings), ...redisUnusedSettingWarnings(settings)]) console.warn(w);
  for (const w of dotenvLineWarnings()) console.warn(w);
  const keySource = encryptionKeySource(config.encryptionKey, config.database.path);
  for (const w of unreadableKeyWarnings(ctx.state.getSnapshot(), keySource)) console.warn(w);
  for (const w of ownKeyCopyWarnings(ctx.state.getSnapshot())) console.warn(w);
  let seen = ctx.state.getSnapshot();
  ctx.state.onChange((s) => {
    for (const w of newlyUnreadableKeyWarnings(seen, s, keySource)) console.warn(w);
    seen = s;
  });
  for (const w of badBaseUrlWarnings(ctx.state.getSnapshot())) console.warn(w);
  for (const w of trimmedBaseUrlWarnings(ctx.state.getSnapshot())) console.warn(w);
  for (const w of storedRuleWarnings(ctx.state.getSnapshot())) console.warn(w);
  for (const w of caseTwinWarnings(ctx.state.getSnapshot())) console.warn(w);
  for (const w of envModelWarnings(config, ctx.state.getSnapshot())) console.warn(w);
  // After the handlers: a stop asked for meanwhile still drains.
  const hint = await signInHint(ctx.db, localUrl(config.server.host, server.port!, '/'), config.admin.password !== undefined).catch(() => null);
  if (hint && !stopping) console.log(hint);
}

const command = parseArgs(process.argv.slice(2));
switch (command.kind) {
  case 'version':
    console.log(`gophergate ${VERSION}`);
    break;
  case 'help':
    console.log(HELP);
    break;
  case 'error':
    console.error(`gophergate: ${command.message}\n\n${HELP}`);
    process.exit(2);
  case 'reset-admin':
    await runResetAdmin(readConfig());
    break;
  case 'healthcheck': {
    // No curl in a distroless image: the binary probes its own /health where it listens.
    const { host, port } = readConfig().server;
    // The probe is for this machine's server: a proxy set for the upstreams (Bun's fetch takes it
    // from these variables, 127.0.0.1 included) would answer for it, or not at all.
    for (const name of PROXY_VARS) delete process.env[name];
    const { code, line } = await runHealthcheck(host, port);
    if (line) console.error(line);
    process.exit(code);
  }
  case 'serve':
    await serve(readConfig());
    break;
}
