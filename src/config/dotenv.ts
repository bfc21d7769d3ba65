import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from './env-readers';

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** Parses a `.env` file: KEY=value lines, `#` comments, optional quotes, `export ` prefix. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) continue;
    out[m[1]!] = dotenvValue(m[2]!);
  }
  return out;
}

/**
 * A value as written after `=`: one pair of quotes around it removed, with a ` # comment` after
 * the closing quote (`PORT="9000" # main`: 9000, as dotenv, Bun and Compose read it); unquoted, a
 * ` # comment` is dropped. Anything else after a closing quote keeps the value as written.
 */
function dotenvValue(value: string): string {
  const q = value[0];
  if (q === '"' || q === "'") {
    const m = (q === '"' ? /^"([^"]*)"\s*(?:#.*)?$/ : /^'([^']*)'\s*(?:#.*)?$/).exec(value);
    if (m) return m[1]!;
    if (value.length >= 2 && value.endsWith(q)) return value.slice(1, -1);
  }
  return value.replace(/\s+#.*$/, '');
}

const READ_FAILURES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/**
 * The settings of `.env` in `cwd` ({} when there is none). One that is there but cannot be read
 * (a folder a volume mount made, a file of another user) stops the start with a ConfigError
 * rather than being skipped: the settings it holds would silently not apply.
 */
function readDotenv(cwd: string): Record<string, string> {
  const file = `${cwd}/.env`;
  if (!existsSync(file)) return {};
  try {
    return parseDotenv(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = String((err as { code?: unknown } | null)?.code ?? '');
    const why = READ_FAILURES[code] ?? (err instanceof Error ? err.message : String(err));
    throw new ConfigError(`cannot read ${file}: ${why}${code ? ` (${code})` : ''}; make it a file of KEY=value lines this user can read, or remove it.`);
  }
}

/** The environment with `.env` (in the working directory) underneath it: real env wins. */
export function environmentWithDotenv(env: Record<string, string | undefined>, cwd = process.cwd()) {
  return { ...readDotenv(cwd), ...env };
}

/**
 * Puts `.env`'s values into process.env where the environment has none, read literally by
 * parseDotenv (Bun's own loading is off: it expands `$NAME` inside values). The runtime reads some
 * variables itself (HTTPS_PROXY for fetch), as it did when Bun loaded the file.
 */
export function exportDotenv(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): void {
  for (const [name, value] of Object.entries(readDotenv(cwd))) if (env[name] === undefined) env[name] = value;
}

/**
 * One warning per line of `.env` (in `cwd`) that is not NAME=value and so sets nothing
 * (`LLM_PROXY__SERVER__PORT: 9000`, `PORT 9000`): naming only how the line starts, and only when
 * that is an upper-case name, never a value (it may be a key). An unreadable file has none here: the start already stopped on it.
 */
export function dotenvLineWarnings(cwd = process.cwd()): string[] {
  let text: string;
  try {
    text = readFileSync(`${cwd}/.env`, 'utf8');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).flatMap((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || ASSIGNMENT.test(line)) return [];
    // Named only when it starts with what looks like a variable's name (upper case, as settings
    // are): a line that is a value wrapped onto its own line, a pasted key or a PEM body is not
    // quoted to stderr (container logs).
    const start = /^[A-Z_][A-Z0-9_]{0,63}(?=[\s=:]|$)/.exec(line)?.[0] ?? '';
    return [`gophergate: line ${i + 1} of .env is not NAME=value${start ? ` (it starts "${start}")` : ''}; it is ignored.`];
  });
}
