/**
 * DeepSeek reasoning memory shared through Redis: turn 1 answered through A, turn 2 (rebuilt by
 * a typed client, without reasoning_content) sent through B reaches DeepSeek with it filled in.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { fixtureText, jsonResponse, readChunks, sseResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, type TestGateway } from '../helpers/start-gateway';
import { startCluster, type Cluster } from './cluster';
import { secondTurn, USER_TURN as user, WEATHER_TOOLS as tools } from '../helpers/weather-tool-loop';

setDefaultTimeout(30_000);

const FIXTURE_IDS = ['call_0_7c1e4a2b-1f3d-4c5e-8a9b-0c1d2e3f4a5b', 'call_1_9d2f5b3c-2a4e-4d6f-9b0c-1d2e3f4a5b6c'];
const fresh = (text: string) => {
  const ids = FIXTURE_IDS.map((id) => `${id.slice(0, 7)}${crypto.randomUUID()}`);
  FIXTURE_IDS.forEach((id, i) => (text = text.replaceAll(id, ids[i]!)));
  return { text, ids };
};

let fake: FakeUpstream;
let cluster: Cluster;
let firstTurn: () => Response;
beforeAll(async () => {
  fake = startFakeUpstream((_req, rec) =>
    rec.body.messages.some((m: any) => m.role === 'tool') ? jsonResponse(JSON.parse(fixtureText('deepseek', 'chat.json'))) : firstTurn(),
  );
  cluster = await startCluster(2, { env: providerEnv('deepseek', `${fake.url}/v1`) });
});
afterAll(async () => {
  await cluster?.close();
  fake?.close();
});

const sentAssistant = () => fake.last().body.messages.find((m: any) => m.role === 'assistant');
/**
 * Waits until Redis holds the reasoning of `callId`: the instance that answered writes it fire and
 * forget, so a next turn sent at once could race it (a real client runs its tools in between).
 */
async function inRedis(node: TestGateway, callId: string): Promise<void> {
  const store = node.ctx.reasoning as { recallShared(ids: readonly string[]): Promise<string | undefined> };
  for (let i = 0; i < 500; i++) {
    if (await store.recallShared([callId])) return;
    await Bun.sleep(10);
  }
  throw new Error(`the reasoning of ${callId} never reached Redis`);
}

test('non-stream: turn 1 through A, turn 2 through B gets the reasoning filled in', async () => {
  const [A, B] = cluster.nodes as [TestGateway, TestGateway];
  const { text } = fresh(fixtureText('deepseek', 'tools.json'));
  const reasoning = JSON.parse(text).choices[0].message.reasoning_content;
  firstTurn = () => jsonResponse(JSON.parse(text));
  const r1 = await A.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools });
  const calls = r1.choices[0]!.message.tool_calls as any[];
  // Each instance has its own memory: B never saw turn 1, only Redis has it.
  expect(B.ctx.reasoning.recall(calls[0].id)).toBeUndefined();
  await inRedis(B, calls[0].id);
  const r2 = await B.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn(calls) as any, tools });
  expect(r2.choices[0]!.finish_reason).toBe('stop');
  expect(sentAssistant().reasoning_content).toBe(reasoning);
});

test('stream: turn 1 streamed through B, turn 2 through A gets the reasoning filled in', async () => {
  const [A, B] = cluster.nodes as [TestGateway, TestGateway];
  const { text } = fresh(readChunks('deepseek', 'reasoner-tools.chunks.txt').join('\n'));
  firstTurn = () => sseResponse(text.split('\n'));
  const stream = await B.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: [user], tools, stream: true });
  let reasoning = '';
  const calls = new Map<number, any>();
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta as any;
    if (d?.reasoning_content) reasoning += d.reasoning_content;
    for (const tc of d?.tool_calls ?? []) {
      const c = calls.get(tc.index) ?? { id: '', function: { name: '', arguments: '' } };
      if (tc.id) c.id = tc.id;
      if (tc.function?.name) c.function.name += tc.function.name;
      if (tc.function?.arguments) c.function.arguments += tc.function.arguments;
      calls.set(tc.index, c);
    }
  }
  expect(reasoning.length).toBeGreaterThan(0);
  expect(A.ctx.reasoning.recall([...calls.values()][0].id)).toBeUndefined();
  await inRedis(A, [...calls.values()][0].id);
  await A.openai().chat.completions.create({ model: 'deepseek/deepseek-reasoner', messages: secondTurn([...calls.values()]) as any, tools });
  expect(sentAssistant().reasoning_content).toBe(reasoning);
});
