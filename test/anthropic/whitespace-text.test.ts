/**
 * Anthropic refuses a text block of whitespace alone ("messages: text content blocks must contain
 * non-whitespace text"), where OpenAI takes any string. Claude itself answers "\n\n" before a tool
 * call at times, and the openai SDK's runTools gives that back as the assistant message's content;
 * such text, and a blank user part or tool result, goes out as nothing. Fake Anthropic on loopback
 * refusing what the real API refuses.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';
import { anthropicJson, json, strictAboutBlankText } from './fake-anthropic';

const MODEL = 'anthropic/claude-sonnet-4-5';
let fake: FakeUpstream;
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  fake = startFakeUpstream();
  gw = await startGateway({ env: providerEnv('anthropic', fake.url) });
  client = gw.openai();
});
afterAll(async () => {
  await gw?.close();
  fake?.close();
});

/** Claude's answer: a text block of two newlines, then the call. */
const blankThenCall = () => Response.json({
  ...anthropicJson('after-tool.json'),
  id: 'msg_01BlankThenCall00000000',
  content: [{ type: 'text', text: '\n\n' }, { type: 'tool_use', id: 'toolu_01BlankThenCa11000000000', name: 'get_time', input: {} }],
  stop_reason: 'tool_use',
});

test('runTools: the "\\n\\n" Claude said before its tool call goes back as nothing, and the loop ends in the answer', async () => {
  fake.handler = strictAboutBlankText(blankThenCall, json('after-tool.json'));
  // The tool answers blank too.
  const timeTool = {
    type: 'function' as const,
    function: { name: 'get_time', description: 'The time now', parameters: { type: 'object', properties: {} }, parse: JSON.parse, function: (_args: object) => ' ' },
  };
  const runner = client.chat.completions.runTools({ model: MODEL, messages: [{ role: 'user', content: 'What time is it?' }], tools: [timeTool] });
  expect(await runner.finalContent()).toBe('It is 18 °C and sunny in Paris.');
  const sent = fake.last().body;
  expect(sent.messages).toEqual([
    { role: 'user', content: [{ type: 'text', text: 'What time is it?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01BlankThenCa11000000000', name: 'get_time', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01BlankThenCa11000000000', content: '' }] },
  ]);
});

test('a blank user part and a blank assistant turn in the history go as nothing; the rest as sent', async () => {
  fake.handler = strictAboutBlankText(json('after-tool.json'));
  const res = await client.chat.completions.create({
    model: MODEL,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: '\n' }] },
      { role: 'assistant', content: ' \n' },
      { role: 'user', content: 'Weather in Paris?' },
    ],
  });
  expect(res.choices[0]!.message.content).toBe('It is 18 °C and sunny in Paris.');
  expect(fake.last().body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'Weather in Paris?' }] }]);
});
