/**
 * A gateway with fake OpenAI (answering `ok`) and Anthropic upstreams (overloaded, 529 by default)
 * and the group `claude-then-gpt` (claude-sonnet-4-5, then openai/gpt-4o-mini, in that order: no
 * heuristic rules), driven by the official @anthropic-ai/sdk. For what a translated target or a
 * group's fallback makes of requests only Anthropic reads natively.
 */
import { afterAll, beforeAll } from 'bun:test';
import type Anthropic from '@anthropic-ai/sdk';
import { modelGroups } from '../../src/db/schema';
import { jsonResponse, okCompletion, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson } from '../anthropic/fake-anthropic';
import { anthropicClient } from './messages-helpers';

export interface ClaudeThenGptRig {
  openai: FakeUpstream;
  anthropic: FakeUpstream;
  gw: TestGateway;
  client: Anthropic;
}

/** Starts the rig before the file's tests (then hands it to `ready`), stops it after them. */
export function useClaudeThenGptRig(ready: (rig: ClaudeThenGptRig) => void): void {
  let rig: ClaudeThenGptRig;
  beforeAll(async () => {
    const openai = startFakeUpstream(() => okCompletion('gpt-4o-mini'));
    const anthropic = startFakeUpstream(() => jsonResponse(anthropicJson('error-529.json'), 529));
    const gw = await startGateway({
      env: { ...providerEnv('openai', `${openai.url}/v1`), ANTHROPIC_API_KEY: 'sk-ant-test-0123456789', LLM_PROXY__PROVIDERS__ANTHROPIC__BASE_URL: anthropic.url },
    });
    // No heuristic rules: the targets in order (the default rules would send a request with tools to the second).
    gw.ctx.db.insert(modelGroups).values({ name: 'claude-then-gpt', strategy: 'heuristic', targets: ['claude-sonnet-4-5', 'openai/gpt-4o-mini'], settings: { rules: [] }, updatedAt: Date.now() }).run();
    gw.ctx.state.reload();
    rig = { openai, anthropic, gw, client: anthropicClient(gw) };
    ready(rig);
  });
  afterAll(async () => {
    await rig.gw.close();
    rig.openai.close();
    rig.anthropic.close();
  });
}
