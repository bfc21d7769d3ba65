/**
 * How far JavaScriptCore lets its heap grow past what the last full collection left before it
 * collects again. Bun's defaults let it reach ~3x on a machine with 16 GB or more
 * (`heapGrowthMaxIncrease` 2) and 2x below (`smallHeapGrowthFactor`). A gateway's garbage is
 * mostly requests that finished, which die old, so with thousands in flight the gap is hundreds
 * of MiB that a full collection would free: at 8,000 streams in flight the binary peaked at
 * 396-472 MiB with Bun's defaults and 270-302 MiB at ~1.75x (15 runs), for ~6 % fewer answers a second
 * there (BENCHMARKS.md, "Session 29"). Below 1.5x every young collection forces a full one.
 *
 * The runtime reads these once, at start, from its environment (like the fetch cap): the
 * process re-executes itself with them (runtime-environment.ts). A value already in the
 * environment is the operator's and is kept (e.g. `BUN_JSC_heapGrowthMaxIncrease=2` for Bun's own).
 */
export const HEAP_GROWTH: Readonly<Record<string, string>> = {
  /** Machines with 16 GB or more: the heap may grow to 1 + 0.75 = 1.75x before a full collection. */
  BUN_JSC_heapGrowthMaxIncrease: '0.75',
  /** Smaller machines: the same 1.75x (Bun's default 2x) until the process holds 80 % of RAM. */
  BUN_JSC_smallHeapGrowthFactor: '1.75',
};

/** The heap settings the environment lacks (those it sets are kept as they are). */
export function missingHeapGrowth(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(HEAP_GROWTH).filter(([name]) => env[name] === undefined));
}
