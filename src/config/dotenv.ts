import { existsSync, readFileSync } from 'node:fs';

/** Parses a `.env` file: KEY=value lines, `#` comments, optional quotes, `export ` prefix. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]!] = value;
  }
  return out;
}

/** The environment with `.env` (in the working directory) underneath it: real env wins. */
export function environmentWithDotenv(env: Record<string, string | undefined>, cwd = process.cwd()) {
  const file = `${cwd}/.env`;
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

/**
 * Puts `.env`'s values into process.env where the environment has none, read literally by
 * parseDotenv (Bun's own loading is off: it expands `$NAME` inside values). The runtime reads some
 * variables itself (HTTPS_PROXY for fetch), as it did when Bun loaded the file.
 */
export function exportDotenv(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): void {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseDotenv(readFileSync(file, 'utf8')))) if (env[name] === undefined) env[name] = value;
}
