/**
 * The routing tests' rig: each provider the seeded groups route to on a fake upstream of its own
 * (loopback), answering a chat.completion in the recorded OpenAI shape that names the model it was
 * asked for, and a gateway pointed at them. Handlers and recorded requests are reset before each test.
 */
import { afterAll, beforeAll, beforeEach } from 'bun:test';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeHandler, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type GatewayOptions, type TestGateway } from '../helpers/start-gateway';

export const PROVIDERS = ['openai', 'deepseek', 'moonshot', 'grok'] as const;
export type P = (typeof PROVIDERS)[number];

/** A chat.completion in the recorded OpenAI shape, naming the model the fake was asked for. */
export function completion(model: string, content: string) {
  const base = fixtureJson('usage', 'openai-chat.json');
  return { ...base, model, choices: [{ ...base.choices[0], message: { role: 'assistant', content, refusal: null, annotations: [] } }] };
}
export const answer: FakeHandler = (_req, rec) => jsonResponse(completion(rec.body.model, `answer from ${rec.body.model}`));

export interface RoutingRig {
  fakes: Record<P, FakeUpstream>;
  gw: TestGateway;
}

/** Starts the rig before the file's tests (then `ready`), stops it after them. */
export function useRoutingFakes(ready: (rig: RoutingRig) => void | Promise<void>, opts: Omit<GatewayOptions, 'env'> = {}): void {
  let rig: RoutingRig | null = null;
  beforeAll(async () => {
    const fakes = Object.fromEntries(PROVIDERS.map((p) => [p, startFakeUpstream(answer)])) as Record<P, FakeUpstream>;
    rig = { fakes, gw: await startGateway({ ...opts, env: Object.assign({}, ...PROVIDERS.map((p) => providerEnv(p, `${fakes[p].url}/v1`))) }) };
    await ready(rig);
  });
  afterAll(async () => {
    await rig?.gw.close();
    for (const f of Object.values(rig?.fakes ?? {})) f.close();
  });
  beforeEach(() => {
    for (const p of PROVIDERS) {
      rig!.fakes[p].handler = answer;
      rig!.fakes[p].requests.length = 0;
    }
  });
}
