/// <reference lib="webworker" />
/**
 * A token-count worker that answers nothing until told (a tokenizer far behind its queue): every
 * request is held until one whose first text is RELEASE_TEXT comes, then all are answered, each
 * text counted as its length. For tests of what the counter holds meanwhile (token-counter.ts).
 */
declare const self: Worker;

export const RELEASE_TEXT = '\u0000release';

const held: { id: number; texts: string[] }[] = [];
self.onmessage = (event: MessageEvent<{ id: number; texts: string[] }>) => {
  held.push(event.data);
  if (event.data.texts[0] !== RELEASE_TEXT) return;
  for (const { id, texts } of held.splice(0)) self.postMessage({ id, counts: texts.map((t) => t.length) });
};
