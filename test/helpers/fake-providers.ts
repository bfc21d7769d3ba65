import { replayJson, startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { providerEnv } from './start-gateway';

/** One fake upstream per provider, each answering its recorded `chat.json`, and the env pointing each provider at its own. */
export function fakeProviders(ids: readonly string[]): { fakes: Record<string, FakeUpstream>; env: Record<string, string> } {
  const fakes = Object.fromEntries(ids.map((id) => [id, startFakeUpstream(replayJson(id, 'chat.json'))]));
  const env: Record<string, string> = {};
  for (const [id, f] of Object.entries(fakes)) Object.assign(env, providerEnv(id, `${f.url}/v1`));
  return { fakes, env };
}
