import { FETCH_CAP_HEADROOM } from '../config/upstream-limits';

/**
 * Bun's cap on fetch requests in flight (`BUN_CONFIG_MAX_HTTP_REQUESTS`, default 256). Bun reads
 * the variable once, when the process starts: setting it in process.env later changes nothing,
 * so the process re-executes itself with it (runtime-environment.ts).
 */
export const FETCH_CAP_VAR = 'BUN_CONFIG_MAX_HTTP_REQUESTS';
const BUN_DEFAULT_FETCH_CAP = 256;

/** The fetch cap the runtime needs for `maxConnections` upstream requests in flight. */
export const wantedFetchCap = (maxConnections: number) => maxConnections + FETCH_CAP_HEADROOM;

/** The cap this process's runtime started with (what Bun read from its environment at start). */
export function runtimeFetchCap(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env[FETCH_CAP_VAR]);
  return Number.isInteger(n) && n >= 1 && n <= 65_535 ? n : BUN_DEFAULT_FETCH_CAP;
}
