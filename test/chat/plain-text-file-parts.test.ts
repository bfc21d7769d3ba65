/**
 * A chat `file` part of plain text (`file_data: data:text/plain[;charset=…];base64,…`, as the openai
 * SDK sends an attached text file) reaches the providers whose chat API reads text (DeepSeek, xAI,
 * Moonshot, Ollama) as a text part: `File: <filename>`, a line break, then the file's text decoded as
 * UTF-8, the decode Claude's text documents use (text that is not UTF-8 is the same 400). Other file
 * types stay refused. Fake upstreams on loopback, their wire bodies checked; rows by x-request-id.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import OpenAI from 'openai';
import { fixtureJson, jsonResponse, startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { apiError, providerEnv, startGateway, type TestGateway } from '../helpers/start-gateway';

const TEXT = 'Grüße aus Köln — 東京 🚀\nline two\n';
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
type FilePart = { type: 'file'; file: { filename?: string; file_data: string } };
const file = (data = `data:text/plain;charset=utf-8;base64,${b64(TEXT)}`, filename: string | null = 'notes.txt'): FilePart => ({
  type: 'file',
  file: { ...(filename !== null && { filename }), file_data: data },
});
const ask = (part: FilePart) => [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Summarise:' }, part] }];

const PROVIDERS = [
  { id: 'deepseek', model: 'deepseek/deepseek-chat' },
  { id: 'grok', model: 'grok/grok-4' },
  { id: 'moonshot', model: 'moonshot/kimi-k2-0905-preview' },
  { id: 'ollama', model: 'ollama/llama3.2' },
] as const;

const fakes: Record<string, FakeUpstream> = {};
let gw: TestGateway;
let client: OpenAI;
beforeAll(async () => {
  let env: Record<string, string> = {};
  for (const p of PROVIDERS) {
    fakes[p.id] = startFakeUpstream(() => jsonResponse(fixtureJson(p.id, 'chat.json')));
    env = { ...env, ...providerEnv(p.id, `${fakes[p.id]!.url}/v1`) };
  }
  gw = await startGateway({ env });
  client = gw.openai();
});
afterAll(async () => {
  await gw.close();
  for (const f of Object.values(fakes)) f.close();
});

describe('a plain-text file part reaches a text-reading provider as text', () => {
  for (const p of PROVIDERS) {
    test(`${p.id}: "File: <filename>" and the decoded text, one row`, async () => {
      const fake = fakes[p.id]!;
      const before = fake.requests.length;
      const { data, response } = await client.chat.completions.create({ model: p.model, messages: ask(file()) }).withResponse();
      expect(data.choices[0]!.message.content).toBeString();
      expect(fake.requests.length).toBe(before + 1);
      expect(fake.last().body.messages.at(-1)).toEqual({
        role: 'user',
        content: [{ type: 'text', text: 'Summarise:' }, { type: 'text', text: `File: notes.txt\n${TEXT}` }],
      });
      const row = await gw.waitForRow(response);
      expect([row.status, row.provider]).toEqual([200, p.id]);
    });
  }

  test('without a filename the text alone; a filename with line breaks is one line; images beside it go as sent (xAI)', async () => {
    await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: ask(file(undefined, null)) });
    expect(fakes.deepseek!.last().body.messages.at(-1).content).toEqual([{ type: 'text', text: 'Summarise:' }, { type: 'text', text: TEXT }]);

    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
    const messages = [{ role: 'user' as const, content: [image, file(`data:text/plain;base64,${b64('a\r\nb')}`, ' two\r\nlines\u0000.txt ')] }];
    await client.chat.completions.create({ model: 'grok/grok-4', messages });
    expect(fakes.grok!.last().body.messages.at(-1).content).toEqual([image, { type: 'text', text: 'File: two lines .txt\na\r\nb' }]);
  });

  test('/v1/responses: an input_file of plain text reaches DeepSeek as text too', async () => {
    const res = await client.responses.create({
      model: 'deepseek/deepseek-chat',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Summarise:' }, { type: 'input_file', filename: 'notes.txt', file_data: `data:text/plain;base64,${b64(TEXT)}` }] }],
    });
    expect(res.status).toBe('completed');
    expect(fakes.deepseek!.last().body.messages.at(-1).content).toEqual([{ type: 'text', text: 'Summarise:' }, { type: 'text', text: `File: notes.txt\n${TEXT}` }]);
  });
});

describe('what is still refused', () => {
  test('text that is not UTF-8: 400 invalid_encoding naming the part, before any call, one row', async () => {
    const before = fakes.moonshot!.requests.length;
    const latin1 = Uint8Array.from([0x47, 0x72, 0xfc, 0xdf, 0x65]); // "Grüße" in ISO-8859-1
    const err = await apiError(client.chat.completions.create({ model: 'moonshot/kimi-k2-0905-preview', messages: ask(file(`data:text/plain;base64,${b64(latin1)}`)) }));
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect([err.status, err.code, err.param]).toEqual([400, 'invalid_encoding', 'messages[0].content[1].file.file_data']);
    expect(fakes.moonshot!.requests.length).toBe(before);
    const row = await gw.waitForRow(err.headers!.get('x-request-id')!);
    expect([row.status, row.errorType]).toEqual([400, 'invalid_encoding']);
  });

  test('other file types (a PDF, CSV) stay unsupported_parameter, before any call', async () => {
    for (const data of ['data:application/pdf;base64,JVBERi0xLjQK', `data:text/csv;base64,${b64('a,b\n')}`]) {
      const before = fakes.ollama!.requests.length;
      const err = await apiError(client.chat.completions.create({ model: 'ollama/llama3.2', messages: ask(file(data)) }));
      expect([err.status, err.code, err.param]).toEqual([400, 'unsupported_parameter', 'messages[0].content[1].type']);
      expect(fakes.ollama!.requests.length).toBe(before);
      expect((await gw.waitForRow(err.headers!.get('x-request-id')!)).status).toBe(400);
    }
  });
});
