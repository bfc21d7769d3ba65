/**
 * `bun test` under CI, watched. A run that hangs would only meet the runner's own deadline and
 * the end of its log would not say where; bun itself has been seen to stall a run now and then
 * with no test at fault (oven-sh/bun#36235, #39987: every thread parked, no output, no per-test
 * limit firing). No test here stays quiet for minutes (the longest allows 120 s), so after
 * `quietMs` without a line the run is taken as hung: the processes still running and the file it
 * was in are printed, the run and its children are killed, and the files it had not reached
 * (that one included) run once more in a second `bun test`. A file that hangs again fails the
 * run.
 *
 * A file with a failed test runs once more, alone with the other failed ones: if it passes then,
 * the run passes and the file is named as flaky at the end of the log (to be mended, not
 * forgotten); a test that fails again fails the run. Either way the failed tests are listed last,
 * where a log's tail shows them.
 */
import { Glob } from 'bun';

const HEADER = /^(test\/\S+\.test\.tsx?):$/;

interface Outcome {
  code: number;
  hung: boolean;
  /** Files whose header printed, in order; the last one was running when a hang was seen. */
  files: string[];
  /** `(fail)` lines, each with the file it was printed in. */
  failures: { file: string; line: string }[];
}

/** Every pid below `root` (tests' gateways, browsers, redis-servers), deepest last. */
function descendants(root: number): number[] {
  const rows = Bun.spawnSync(['ps', '-eo', 'pid=,ppid=']).stdout.toString().trim().split('\n');
  const children = new Map<number, number[]>();
  for (const row of rows) {
    const [pid, ppid] = row.trim().split(/\s+/).map(Number);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(root);
  return out;
}

async function run(cmd: string[], quietMs: number): Promise<Outcome> {
  const proc = Bun.spawn(cmd, { stdio: ['inherit', 'pipe', 'pipe'] });
  const outcome: Outcome = { code: 1, hung: false, files: [], failures: [] };
  let lastOutput = Date.now();
  const relay = async (from: ReadableStream<Uint8Array>, to: NodeJS.WriteStream) => {
    const decoder = new TextDecoder();
    let partial = '';
    for await (const chunk of from) {
      lastOutput = Date.now();
      to.write(chunk);
      const lines = (partial + decoder.decode(chunk, { stream: true })).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const header = HEADER.exec(line);
        if (header) outcome.files.push(header[1]);
        else if (line.startsWith('(fail)')) outcome.failures.push({ file: outcome.files.at(-1) ?? '(no file)', line });
      }
    }
  };
  const relays = Promise.all([relay(proc.stdout, process.stdout), relay(proc.stderr, process.stderr)]);
  const watchdog = setInterval(() => {
    if (Date.now() - lastOutput < quietMs) return;
    clearInterval(watchdog);
    outcome.hung = true;
    console.error('\n[test] the processes still running:');
    console.error(Bun.spawnSync(['ps', '-eo', 'pid,ppid,etime,pcpu,rss,args', '--forest']).stdout.toString());
    console.error(`[test] no output from bun test for ${Math.round(quietMs / 1000)} s: stopped as hung in ${outcome.files.at(-1) ?? '(no file yet)'}`);
    for (const pid of [proc.pid, ...descendants(proc.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }, 5_000);
  outcome.code = await proc.exited;
  clearInterval(watchdog);
  await relays;
  return outcome;
}

/** The test files `bun test` would find under the current directory. */
function allTestFiles(): string[] {
  return [...new Glob('test/**/*.test.{ts,tsx}').scanSync('.')].sort();
}

const fileArgs = (files: string[]) => files.map((f) => `./${f}`);

/**
 * Runs `bun test <flags>` over the whole suite (no paths given) with the watchdog; after a hang,
 * once more over what was not reached; then the files with a failed test once more. The exit
 * code of the whole.
 */
export async function watchedTestRun(flags: string[], quietMs: number): Promise<number> {
  const first = await run(['bun', 'test', ...flags], quietMs);
  const failures = [...first.failures];
  let code = first.code;
  if (first.hung) {
    const done = new Set(first.files.slice(0, -1));
    const rest = allTestFiles().filter((f) => !done.has(f));
    console.error(`[test] running the ${rest.length} file(s) not reached, ${first.files.at(-1) ?? 'none'} first, once more`);
    const hungIn = first.files.at(-1);
    const ordered = hungIn ? [hungIn, ...rest.filter((f) => f !== hungIn)] : rest;
    const second = await run(['bun', 'test', ...flags, ...fileArgs(ordered)], quietMs);
    if (second.hung) return 1;
    failures.push(...second.failures);
    code = failures.length ? 1 : second.code;
  }
  if (code === 0) return 0;
  // A failure that names no test (bun itself ended badly) is not run again.
  if (!failures.length) return code;
  const files = [...new Set(failures.map((f) => f.file))];
  console.error(`\n[test] ${failures.length} test(s) failed in ${files.length} file(s); running those files once more, alone`);
  const again = files.every((f) => HEADER.test(`${f}:`)) ? await run(['bun', 'test', ...flags, ...fileArgs(files)], quietMs) : null;
  const passedAgain = again !== null && !again.hung && again.code === 0 && !again.failures.length;
  console.error('\n[test] failed in the whole run:');
  for (const f of failures) console.error(`  ${f.file}: ${f.line}`);
  if (again?.failures.length) {
    console.error('[test] failed again, alone:');
    for (const f of again.failures) console.error(`  ${f.file}: ${f.line}`);
  }
  console.error(passedAgain ? `[test] FLAKY: ${files.join(', ')} passed when run again alone; the run passes (mend them)` : '[test] the run fails');
  return passedAgain ? 0 : 1;
}
