/**
 * `bun scripts/make-upgrade-fixture.ts <old gophergate binary> <out dir>`: the SQLite database an
 * earlier release leaves after an operator used it, for test/deploy/upgrade-from-release.test.ts.
 * Build the old binary in a worktree of its commit (`git worktree add --detach /tmp/old <commit>
 * && cd /tmp/old && bun install && bun run build`). The binary runs in a new folder on loopback
 * beside two fake upstreams; through its API the admin password is changed, DeepSeek gets a key
 * (the provider's own) and OpenAI a pool key, a team and a key with limits are made, requests
 * leave log rows and a stored response; after a clean stop `gophergate.db` (vacuumed) and
 * `secrets.json` (what a test needs to use it: the encryption key, passwords, keys, ids) are
 * written to the out dir.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Database } from 'bun:sqlite';

const [binary, outDir] = process.argv.slice(2);
if (!binary || !outDir) throw new Error('usage: bun scripts/make-upgrade-fixture.ts <old binary> <out dir>');

const SECRETS = {
  admin_password: 'operator-chose-this-1',
  deepseek_key: 'sk-deepseek-fixture-0123456789',
  openai_pool_key: 'sk-proj-openai-fixture-0123456789',
};
const upstream = (provider: string, key: string) => Bun.serve({
  hostname: '127.0.0.1', port: 0,
  async fetch(req) {
    if (req.headers.get('authorization') !== `Bearer ${key}`) return Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }, { status: 401 });
    const fixture = JSON.parse(readFileSync(join(import.meta.dir, `../test/fixtures/${provider}/chat.json`), 'utf8'));
    return Response.json({ ...fixture, model: ((await req.json()) as { model: string }).model });
  },
});
const deepseek = upstream('deepseek', SECRETS.deepseek_key);
const openai = upstream('openai', SECRETS.openai_pool_key);

const cwd = mkdtempSync(join(tmpdir(), 'gg-fixture-'));
const proc = Bun.spawn([resolve(binary)], {
  cwd, stdout: 'pipe', stderr: 'inherit',
  env: { PATH: process.env.PATH!, LLM_PROXY__SERVER__HOST: '127.0.0.1', LLM_PROXY__SERVER__PORT: '0', LLM_PROXY__PROVIDERS__OLLAMA__ENABLED: 'false' },
});
let out = '';
const reader = (async () => { for await (const b of proc.stdout) out += new TextDecoder().decode(b); })();
while (!/listening on http:\/\/[^:]+:\d+/.test(out)) {
  if (proc.exitCode !== null) throw new Error(`the old binary did not start:\n${out}`);
  await Bun.sleep(50);
}
const url = `http://127.0.0.1:${/listening on http:\/\/[^:]+:(\d+)/.exec(out)![1]}`;

async function call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any; id: string | null }> {
  const r = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const result = { status: r.status, json: await r.json(), id: r.headers.get('x-request-id') };
  if (r.status >= 300 && !path.startsWith('/v1/')) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(result.json)}`);
  return result;
}

const first = await call('POST', '/api/auth/login', { username: 'admin', password: 'admin123' });
await call('POST', '/api/auth/change-password', { current_password: 'admin123', new_password: SECRETS.admin_password }, first.json.token);
const token = (await call('POST', '/api/auth/login', { username: 'admin', password: SECRETS.admin_password })).json.token;
await call('PATCH', '/api/providers/deepseek', { enabled: true, base_url: deepseek.url.href.replace(/\/$/, ''), api_key: SECRETS.deepseek_key }, token);
await call('PATCH', '/api/providers/openai', { enabled: true, base_url: `${openai.url.href}v1` }, token);
await call('POST', '/api/providers/openai/keys', { key: SECRETS.openai_pool_key, label: 'fixture pool key' }, token);
const team = (await call('POST', '/api/teams', { name: 'Research', budget_usd: 50, budget_period: 'month', rpm: 100 }, token)).json;
const client = (await call('POST', '/api/clients', { name: 'ops-client', team_id: team.id, rpm: 60, tpm: 100000, budget_usd: 10, budget_period: 'day', max_parallel: 4 }, token)).json;

const requestIds: string[] = [];
const v1 = async (path: string, body: unknown) => {
  const r = await call('POST', path, body, client.key);
  requestIds.push(r.id!);
  return r;
};
for (const text of ['one', 'two']) await v1('/v1/chat/completions', { model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: text }] });
await v1('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'through the pool key' }] });
await v1('/v1/chat/completions', { model: 'no-such-provider/model', messages: [{ role: 'user', content: 'an error row' }] });
const stored = await v1('/v1/responses', { model: 'deepseek/deepseek-chat', input: 'remember the word "heron"', store: true });
if (stored.status !== 200) throw new Error(`the stored response failed: ${JSON.stringify(stored.json)}`);
await Bun.sleep(1500); // the log writer's batch
const summary = (await call('GET', '/api/usage/summary', undefined, token)).json;

proc.kill('SIGTERM');
if ((await proc.exited) !== 0) throw new Error('the old binary did not stop cleanly');
await reader;
deepseek.stop(true);
openai.stop(true);

mkdirSync(outDir, { recursive: true });
const lite = new Database(join(cwd, 'data/gophergate.db'));
lite.exec(`VACUUM INTO '${join(resolve(outDir), 'gophergate.db')}'`);
lite.close();
const secrets = {
  ...SECRETS,
  encryption_key: readFileSync(join(cwd, 'data/encryption.key'), 'utf8').trim(),
  client_key: client.key, client_id: client.id, team_id: team.id,
  request_ids: requestIds, stored_response_id: stored.json.id, summary: { requests: summary.requests, cost_usd: summary.cost_usd },
};
writeFileSync(join(outDir, 'secrets.json'), `${JSON.stringify(secrets, null, 2)}\n`);
console.log(`wrote ${outDir}/gophergate.db and secrets.json (made in ${cwd})`);
