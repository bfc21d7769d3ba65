import { expect } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdapterDeps, StreamTally } from '../../src/providers/types';

const DIR = join(import.meta.dir, '..', 'fixtures', 'gemini');

/** One Gemini SSE payload per line, as recorded. */
export function fixtureLines(name: string): string[] {
  return readFileSync(join(DIR, name), 'utf8').split('\n').filter((l) => l.trim() !== '');
}

/** The bytes Gemini's `?alt=sse` endpoint sends for a fixture (it separates events with CRLF). */
export function fixtureSse(name: string): string {
  return fixtureLines(name).map((l) => `data: ${l}\r\n\r\n`).join('');
}

export function fixtureJson(name: string): any {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8'));
}

export const newTally = (): StreamTally => ({ usage: null, deliveredText: '', finishReason: null, firstByteAt: null });

/** A document fetcher that must not be called (translation tests without documents by URL). */
export const noDocumentFetch: AdapterDeps['fetchDocument'] = async (url) => {
  throw new Error(`unexpected document fetch: ${url}`);
};

/** A fetcher that must not be called (translation tests without remote images). */
export const noFetch: AdapterDeps = {
  fetchImage: async (url) => {
    throw new Error(`unexpected image fetch: ${url}`);
  },
  fetchDocument: noDocumentFetch,
};

/** Runs bytes through a transform, split at the given offsets, and returns the SSE data payloads out. */
export async function runStream(t: Transformer<Uint8Array, Uint8Array>, input: string, cuts: number[] = []): Promise<string[]> {
  const { events, error } = await runStreamToEnd(t, input, cuts);
  if (error !== null) throw error;
  return events;
}

/**
 * As runStream, but a transform that fails is not an exception: the payloads it sent before
 * failing and what it threw (null when it ended normally).
 */
export async function runStreamToEnd(t: Transformer<Uint8Array, Uint8Array>, input: string, cuts: number[] = []): Promise<{ events: string[]; error: unknown }> {
  const ts = new TransformStream(t);
  const bytes = new TextEncoder().encode(input);
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.slice(prev, p));
    prev = p;
  }
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const piece of pieces) c.enqueue(piece);
      c.close();
    },
  });
  const reader = source.pipeThrough(ts).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let error: unknown = null;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += decoder.decode(r.value, { stream: true });
  } catch (err) {
    error = err;
  }
  const events = text
    .split('\n\n')
    .filter((e) => e.length)
    .map((e) => {
      expect(e.startsWith('data: ')).toBe(true);
      return e.slice('data: '.length);
    });
  return { events, error };
}
