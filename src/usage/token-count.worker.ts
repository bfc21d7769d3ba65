/// <reference lib="webworker" />
/**
 * The token-count thread: counts o200k tokens of the texts the main thread posts, in order, and
 * answers with the counts under the request's id. See token-counter.ts.
 */
import { countTextTokens } from './count-text-tokens';

declare const self: Worker;

self.onmessage = (event: MessageEvent<{ id: number; texts: string[] }>) => {
  const { id, texts } = event.data;
  self.postMessage({ id, counts: texts.map(countTextTokens) });
};
