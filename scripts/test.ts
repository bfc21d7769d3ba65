/**
 * `bun run test`: the whole suite. The suites of several instances (test/postgres, test/redis,
 * test/cluster) need PostgreSQL at 127.0.0.1:5432 and Redis at 127.0.0.1:6379. Under CI (CI set;
 * .ci/run starts both) they always run, so a missing service fails there. On a developer's
 * machine without them they are left out with a note, as the browser suites skip without
 * Chromium, so the quick start's second command works on a fresh machine. Arguments are passed
 * on to `bun test`.
 *
 * Every test and hook gets 15 s unless it sets its own limit (or `--timeout` is passed): bun's
 * default of 5 s is met by starting a gateway or hashing a few passwords on a loaded 2-core
 * machine, which failed runs that were only slow. No test asserts a time; a hang still fails.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { watchedTestRun } from './watched-test-run';

const SERVICE_SUITES: Record<string, { host: string; port: number; suites: string[] }> = {
  PostgreSQL: { host: '127.0.0.1', port: 5432, suites: ['postgres', 'cluster'] },
  Redis: { host: '127.0.0.1', port: 6379, suites: ['redis', 'cluster'] },
};

/** Does something accept a TCP connection there within `ms`? */
function reachable(hostname: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    Bun.connect({
      hostname,
      port,
      socket: {
        open(s) {
          clearTimeout(timer);
          s.end();
          resolve(true);
        },
        data() {},
        error() {
          clearTimeout(timer);
          resolve(false);
        },
        connectError() {
          clearTimeout(timer);
          resolve(false);
        },
      },
    }).catch(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

const args = process.argv.slice(2);
let paths: string[] = [];
if (!process.env.CI && args.every((a) => a.startsWith('-'))) {
  const left = new Set<string>();
  for (const [name, s] of Object.entries(SERVICE_SUITES)) {
    if (await reachable(s.host, s.port)) continue;
    for (const suite of s.suites) left.add(suite);
    console.log(`[test] ${name} does not answer on ${s.host}:${s.port}: leaving out test/${s.suites.join(', test/')} (bash .ci/services.sh starts it)`);
  }
  if (left.size) {
    const root = join(import.meta.dir, '..', 'test');
    paths = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !left.has(d.name))
      .map((d) => `./test/${d.name}/`);
  }
}

const timeout = args.some((a) => a.startsWith('--timeout')) ? [] : ['--timeout', '15000'];
// Under CI the whole suite is watched for a hang (scripts/watched-test-run.ts); GG_TEST_QUIET_MS
// sets how long a quiet spell may last (6 min).
if (process.env.CI && args.every((a) => a.startsWith('-'))) {
  process.exit(await watchedTestRun([...timeout, ...args], Number(process.env.GG_TEST_QUIET_MS) || 6 * 60_000));
}
const proc = Bun.spawn(['bun', 'test', ...timeout, ...paths, ...args], { stdio: ['inherit', 'inherit', 'inherit'] });
process.exit(await proc.exited);
