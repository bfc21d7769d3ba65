import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Seconds per load run. */
  durationS: number;
  /** A B C A B C ...: each target runs this many times per scenario. */
  rounds: number;
  connections: number[];
  quick: boolean;
  json: boolean;
  /** Upstream delay before headers (ms): 0 measures pure proxy cost. */
  latencyMs: number;
  chunks: number;
  useWrk: boolean;
  ttfbRounds: number;
  coldStarts: number;
  subBenches: boolean;
  /** Requests of the exact log-row check. */
  accountingRequests: number;
  /** The bench key carries limits none of the load reaches (allow-list, budget, RPM, TPM, max_parallel). */
  limits: boolean;
  /** The gateway on PostgreSQL + Redis (one instance) instead of SQLite. */
  cluster: boolean;
}

export const USAGE = `bun run bench [--duration S] [--rounds N] [--quick] [--json] [--latency-ms MS] [--chunks N] [--no-wrk] [--no-sub]
  --duration S     seconds per load run (default 5; --quick: 1)
  --rounds N       interleaved rounds per scenario, A B C A B C (default 2; --quick: 1)
  --quick          smoke run for CI (a few seconds of load in total)
  --json           print the results as one JSON document on stdout (progress goes to stderr)
  --latency-ms MS  fake upstream delay before headers (default 0: pure proxy cost)
  --chunks N       content chunks per stream (default 20)
  --no-wrk         use the built-in Bun client even when wrk is installed
  --no-sub         skip the log-writer, dashboard-query and routing-decision benches
  --limits         give the bench key limits the load never reaches (models, budget, rpm, tpm,
                   max_parallel), to measure what enforcing them costs
  --cluster        run the gateway on PostgreSQL (127.0.0.1:5432, a throwaway database) + Redis
                   (127.0.0.1:6379, a random prefix) instead of SQLite, one instance`;

export function readOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, 'latency-ms': { type: 'string', default: '0' }, chunks: { type: 'string', default: '20' },
      'no-wrk': { type: 'boolean', default: false }, 'no-sub': { type: 'boolean', default: false }, limits: { type: 'boolean', default: false }, cluster: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick!;
  const num = (v: string | undefined, d: number, name: string) => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
    return n;
  };
  return {
    durationS: Math.max(1, Math.round(num(values.duration, quick ? 1 : 5, 'duration'))),
    rounds: Math.max(1, Math.round(num(values.rounds, quick ? 1 : 2, 'rounds'))),
    connections: [16, 64],
    quick,
    json: values.json!,
    latencyMs: num(values['latency-ms'], 0, 'latency-ms'),
    chunks: Math.max(1, Math.round(num(values.chunks, 20, 'chunks'))),
    useWrk: !values['no-wrk'],
    ttfbRounds: quick ? 30 : 300,
    coldStarts: quick ? 3 : 10,
    subBenches: !values['no-sub'],
    accountingRequests: quick ? 400 : 4000,
    limits: values.limits!,
    cluster: values.cluster!,
  };
}
