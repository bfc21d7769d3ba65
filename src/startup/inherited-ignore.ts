import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** Whether the `SigIgn` mask of a /proc/<pid>/status text has `signal` set (bit n-1 for signal n). */
export function maskIgnores(statusText: string, signal: NodeJS.Signals): boolean {
  const mask = /^SigIgn:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText)?.[1];
  const n = constants.signals[signal];
  return mask !== undefined && n !== undefined && ((BigInt(`0x${mask}`) >> BigInt(n - 1)) & 1n) === 1n;
}

/**
 * Whether this process was started with `signal` ignored (`nohup ./gophergate &` ignores SIGHUP,
 * and an ignored signal stays ignored through exec). Read before any handler for it is installed:
 * installing one replaces the ignore. Linux only (/proc); elsewhere false.
 */
export function startedIgnoring(signal: NodeJS.Signals): boolean {
  try {
    return maskIgnores(readFileSync('/proc/self/status', 'utf8'), signal);
  } catch {
    return false;
  }
}
