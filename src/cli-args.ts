import { VERSION } from './version';

export type Command = { kind: 'serve' } | { kind: 'version' } | { kind: 'help' } | { kind: 'reset-admin' } | { kind: 'healthcheck' } | { kind: 'error'; message: string };

/** The values Go's flag package takes for a boolean flag written `-name=value` (strconv.ParseBool). */
const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);
const GO_BOOL_FLAGS = new Set(['reset-admin', 'version', 'help', 'healthcheck']);

/**
 * `-reset-admin=true` as Go's flag package reads it (the Go GopherGate's users script it so): the
 * flag alone; `=false` leaves it out. Any other value is an error naming what was typed.
 */
function goBoolFlag(arg: string): string | null | { error: string } {
  const m = /^(--?[a-z][a-z-]+)=(.*)$/.exec(arg);
  if (!m) return arg;
  if (GO_TRUE.has(m[2]!)) return m[1]!;
  if (GO_FALSE.has(m[2]!)) return null;
  // An unknown name is named as such below (`unknown option -frobnicate=1` reads `-frobnicate`).
  if (!GO_BOOL_FLAGS.has(m[1]!.replace(/^--?/, ''))) return m[1]!;
  return { error: `invalid value "${m[2]}" for option ${m[1]}: use ${m[1]} alone (or =true / =false)` };
}

const COMMANDS: Record<string, Command> = {
  '--version': { kind: 'version' },
  '-v': { kind: 'version' },
  '--help': { kind: 'help' },
  '-h': { kind: 'help' },
  '--reset-admin': { kind: 'reset-admin' },
  '--healthcheck': { kind: 'healthcheck' },
};

/** The setting an operator used to other servers' flags (`--port 9000`) is after. */
const SETTING_FLAGS: Record<string, string> = {
  port: 'LLM_PROXY__SERVER__PORT', p: 'LLM_PROXY__SERVER__PORT',
  host: 'LLM_PROXY__SERVER__HOST', listen: 'LLM_PROXY__SERVER__HOST', bind: 'LLM_PROXY__SERVER__HOST',
  db: 'LLM_PROXY__DATABASE__PATH', database: 'LLM_PROXY__DATABASE__PATH',
};

// Go's flag package (the Go GopherGate's) takes `-reset-admin` as well as `--reset-admin`.
const asLong = (flag: string) => (/^-[a-z][a-z-]+$/.test(flag) ? `-${flag}` : flag);

function unknownOption(flag: string): Command {
  const setting = SETTING_FLAGS[flag.replace(/^--?/, '')];
  const hint = setting ? ` (settings are environment variables or .env lines: ${setting}, see below)` : '';
  return { kind: 'error', message: `unknown option ${flag}${hint}` };
}

export function parseArgs(argv: string[]): Command {
  const flags: string[] = [];
  for (const a of argv) {
    if (a.length === 0) continue;
    const f = goBoolFlag(a);
    if (f === null) continue;
    if (typeof f === 'object') return { kind: 'error', message: f.error };
    flags.push(f);
  }
  if (flags.length === 0) return { kind: 'serve' };
  // An unknown word first: `--port 9000` is no option at all, rather than one too many.
  const unknown = flags.find((f) => !COMMANDS[asLong(f)]);
  if (unknown !== undefined) return unknownOption(unknown);
  if (flags.length > 1) return { kind: 'error', message: `expected at most one option, got: ${flags.join(' ')}` };
  return COMMANDS[asLong(flags[0]!)]!;
}

export const HELP = `gophergate ${VERSION} - OpenAI-compatible LLM gateway

Usage:
  gophergate                 start the server (default 0.0.0.0:8080, database ./data/gophergate.db)
  gophergate --reset-admin   reset the 'admin' user to password admin123 (change forced at next login)
  gophergate --healthcheck   exit 0 when the local server answers /health (for container HEALTHCHECKs)
  gophergate --version       print the version
  gophergate --help          show this help

Configuration comes from the environment or a .env file in the working directory, e.g.
  LLM_PROXY__SERVER__PORT=8080  LLM_PROXY__DATABASE__PATH=./data/gophergate.db
  OPENAI_API_KEY=...  GEMINI_API_KEY=...  DEEPSEEK_API_KEY=...  MOONSHOT_API_KEY=...  GROK_API_KEY=...
  ANTHROPIC_API_KEY=...
The single-dash spellings of the Go GopherGate (-reset-admin, -version, -help, -healthcheck) work too,
as does Go's -reset-admin=true (=false leaves the option out).
See the README for every setting.
`;
