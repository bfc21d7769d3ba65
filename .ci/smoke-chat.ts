/**
 * The binary's workers, end to end: a chat through `./gophergate` (run from its own empty
 * directory) against a loopback upstream that reports no usage, so the row needs the token-count
 * worker; then SIGTERM, and the row must be in SQLite, estimated, with tokens and a cost.
 * `bun .ci/smoke-chat.ts /path/to/gophergate`
 */
import { Database } from 'bun:sqlite';
import { gatewayEnv, startWithClientKey } from '../bench/lib/gateway';
import { stop } from '../bench/lib/processes';

const binary = process.argv[2];
if (!binary) throw new Error('usage: bun .ci/smoke-chat.ts <binary>');
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: () => Response.json({
    id: 'chatcmpl-smoke', object: 'chat.completion', created: 1, model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'A smoke-test answer without usage.' }, finish_reason: 'stop' }],
  }),
});
const fail = (why: string, out = '') => {
  console.error(`smoke-chat: ${why}\n${out}`);
  process.exit(1);
};
const g = gatewayEnv(upstream.port!);
const { gw, key } = await startWithClientKey(binary, g);
const res = await fetch(`http://127.0.0.1:${gw.port}/v1/chat/completions`, {
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Estimate my tokens.' }] }),
});
const text = await res.text();
if (res.status !== 200) fail(`chat answered ${res.status}`, text);
const code = await stop(gw.proc);
const out = (await Bun.file(`${g.dir}/gateway.out.log`).text()) + (await Bun.file(`${g.dir}/gateway.err.log`).text());
if (code !== 0) fail(`exit code ${code} after SIGTERM`, out);
if (out.includes('token counter unavailable')) fail('the token-count worker did not run in the binary', out);
const db = new Database(g.dbPath, { readonly: true });
const row = db.query("SELECT estimated, prompt_tokens, completion_tokens, cost_usd FROM request_logs WHERE endpoint = 'chat'").get() as any;
db.close();
if (!row || row.estimated !== 1 || !(row.prompt_tokens > 0) || !(row.completion_tokens > 0) || !(row.cost_usd > 0)) fail(`bad log row ${JSON.stringify(row)}`, out);
upstream.stop(true);
console.log(`smoke-chat: binary chat OK (estimated row: ${row.prompt_tokens} prompt + ${row.completion_tokens} completion tokens)`);
