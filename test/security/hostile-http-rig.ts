/**
 * The gateway the hostile-HTTP tests (odd-methods-paths, hostile-keys-ids) drive: a fake OpenAI
 * upstream, the mock provider on, and one stored response (two input items) of the test key.
 */
import { afterAll, beforeAll } from 'bun:test';
import { fakeOpenAI } from '../fuzz/fuzz-http-kit';
import type { FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

export interface HostileRig {
  gw: TestGateway;
  openai: FakeUpstream;
  /** A stored response of `gw.clientKey`. */
  storedId: string;
}

/** Starts the rig before the file's tests (with `env` added) and hands it to `ready`; closes it after them. */
export function useHostileRig(ready: (rig: HostileRig) => void, env: Record<string, string> = {}): void {
  let rig: HostileRig | undefined;
  beforeAll(async () => {
    const openai = fakeOpenAI();
    const gw = await startGateway({ env: { ...providerEnv('openai', `${openai.url}/v1`), LLM_PROXY__PROVIDERS__MOCK__ENABLED: 'true', ...env } });
    const made = await gw.fetch('/v1/responses', { method: 'POST', body: JSON.stringify({ model: 'mock/echo', input: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }], store: true }) });
    rig = { gw, openai, storedId: ((await made.json()) as any).id };
    ready(rig);
  });
  afterAll(async () => {
    await rig?.gw.close();
    rig?.openai.close();
  });
}

export const CHAT = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
export const MESSAGE = JSON.stringify({ model: 'mock/echo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
