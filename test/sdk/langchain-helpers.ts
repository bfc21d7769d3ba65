/**
 * Helpers for the LangChain JS tests. LangChain keeps the HTTP answer to itself (no headers on
 * its messages), so the clients get a fetch that notes the `x-request-id` of every answer: the
 * log row of a call is then picked by the id the gateway gave it, never by position.
 */
import { expect } from 'bun:test';
import { fixtureJson } from '../helpers/fake-upstream';

export interface IdRecorder {
  /** Passed to the client as its fetch (OpenAI `configuration.fetch`, Anthropic `clientOptions.fetch`). */
  fetch: typeof fetch;
  /** The `x-request-id` of every answer, in order ('' when an answer carried none). */
  ids: string[];
  /** The id of the latest answer (fails when there was none). */
  last(): string;
  /** The ids of the answers after a mark taken with `ids.length`, one per call expected. */
  since(mark: number, n: number): string[];
}

export function idRecorder(): IdRecorder {
  const ids: string[] = [];
  const recording = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await fetch(input, init);
    ids.push(res.headers.get('x-request-id') ?? '');
    return res;
  }) as typeof fetch;
  return {
    fetch: recording,
    ids,
    last() {
      const id = ids.at(-1);
      if (!id) throw new Error('no answer with an x-request-id was seen');
      return id;
    },
    since(mark, n) {
      const got = ids.slice(mark);
      expect(got).toHaveLength(n);
      for (const id of got) expect(id).toBeTruthy();
      return got;
    },
  };
}

/** A JSON fixture with changes, for answers the recorded files do not hold (structured output, a marker). */
export function fixtureWith(provider: string, name: string, change: (json: any) => void): any {
  const json = fixtureJson(provider, name);
  change(json);
  return json;
}

export const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' } },
  required: ['city'],
  additionalProperties: false,
} as const;

/** A LangChain tool definition in OpenAI's function shape (what bindTools accepts as is). */
export const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Current weather for a city', parameters: weatherSchema },
};
