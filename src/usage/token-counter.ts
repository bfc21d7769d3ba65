import { bundledWorkerUrl } from '../runtime/bundled-worker-url';
import { descriptorsExhausted } from '../runtime/descriptors';

/**
 * Token counts for usage estimates, computed on their own worker thread, started on the first
 * estimate (most upstreams report usage, so most processes never start it). On the main thread
 * the tokenizer's first load would block every request (~0.3 s with gpt-tokenizer's tables, ~60 ms
 * with ours) and each long prompt for several ms. If the worker cannot run, counts fall back to ~4 characters per token; they never reject.
 */
export interface TokenCounter {
  count(texts: readonly string[]): Promise<number[]>;
  /** Counts waiting for the worker now, and their characters (tests and diagnostics). */
  held?(): { counts: number; chars: number };
}

/**
 * Characters waiting for the worker at most (~1 s of its work, 64 MiB or so held). Clients that
 * leave requests with long prompts (each one's prompt is estimated) can send them far faster than
 * the tokenizer counts (~20-35 MB/s): past this, a count is approximated at once instead of queued.
 */
export const MAX_PENDING_CHARS = 32 * 1024 * 1024;

/**
 * What counts fall back to when the tokenizer cannot run: ~4 characters per token. (Not imported
 * from count-text-tokens.ts: that would bundle the tokenizer's tables into the main thread's code.)
 */
export const approximateTokens = (text: string) => Math.ceil(text.length / 4);

/** Bun's Worker can be unref'd, so an idle counter does not keep the process alive. */
type RefWorker = Worker & { ref(): void; unref(): void };

const workerUrl = () => bundledWorkerUrl(import.meta.url, './token-count.worker.ts', 'usage/token-count.worker.ts');

export interface TokenCounterOptions {
  url?: () => string;
  /**
   * An idle worker is ended after this long: with its tables loaded it holds ~10-15 MiB (a Bun
   * worker alone ~8, the o200k tables ~4: see o200k-tables.ts), which a gateway whose upstreams
   * report usage (nearly all requests) need not keep for one cut stream.
   */
  idleMs?: number;
  /** Characters waiting for the worker at most (MAX_PENDING_CHARS); a count past it is approximated. */
  maxPendingChars?: number;
}

export function createWorkerTokenCounter({ url = workerUrl, idleMs = 60_000, maxPendingChars = MAX_PENDING_CHARS }: TokenCounterOptions = {}): TokenCounter {
  let worker: RefWorker | null = null;
  let idleTimer: Timer | null = null;
  let broken = false;
  let nextId = 0;
  const pending = new Map<number, { texts: readonly string[]; chars: number; resolve: (counts: number[]) => void }>();
  let pendingChars = 0;
  const approximate = (texts: readonly string[]) => texts.map(approximateTokens);

  function fail(why: string): void {
    if (!broken) console.error(`gophergate: token counter unavailable (${why}); estimating ~4 characters per token`);
    broken = true;
    worker?.terminate();
    worker = null;
    for (const p of pending.values()) p.resolve(approximate(p.texts));
    pending.clear();
    pendingChars = 0;
  }

  function start(): RefWorker {
    const w = new Worker(url()) as RefWorker;
    w.onmessage = (e: MessageEvent<{ id: number; counts: number[] }>) => {
      const p = pending.get(e.data.id);
      if (p) {
        pending.delete(e.data.id);
        pendingChars -= p.chars;
        p.resolve(e.data.counts);
      }
      if (pending.size > 0) return;
      w.unref();
      // count() clears this timer before it uses the worker, so it only fires on an idle one.
      idleTimer = setTimeout(() => {
        worker = null;
        void w.terminate();
      }, idleMs);
      idleTimer.unref();
    };
    w.onerror = (e) => fail(e.message || 'worker error');
    return w;
  }

  return {
    count(texts) {
      if (texts.length === 0) return Promise.resolve([]);
      if (broken) return Promise.resolve(approximate(texts));
      let chars = 0;
      for (const t of texts) chars += t.length;
      // The worker is behind: this one is approximated rather than held (one alone is always counted).
      if (pending.size > 0 && pendingChars + chars > maxPendingChars) return Promise.resolve(approximate(texts));
      // `new Worker` with no descriptor free ends the process (bun 1.4.5), every request with it:
      // at the open-file limit this one is approximated, and a later count starts the worker.
      if (!worker && descriptorsExhausted()) return Promise.resolve(approximate(texts));
      return new Promise((resolve) => {
        try {
          if (idleTimer) clearTimeout(idleTimer);
          idleTimer = null;
          worker ??= start();
          worker.ref();
          const id = ++nextId;
          pending.set(id, { texts, chars, resolve });
          pendingChars += chars;
          worker.postMessage({ id, texts });
        } catch (err) {
          fail((err as Error).message);
          resolve(approximate(texts));
        }
      });
    },
    held: () => ({ counts: pending.size, chars: pendingChars }),
  };
}

/** The process's counter. */
export const tokenCounter: TokenCounter = createWorkerTokenCounter();
