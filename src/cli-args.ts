import { VERSION } from './version';

export type Command = { kind: 'serve' } | { kind: 'version' } | { kind: 'help' } | { kind: 'reset-admin' } | { kind: 'healthcheck' } | { kind: 'error'; message: string };

export function parseArgs(argv: string[]): Command {
  const flags = argv.filter((a) => a.length > 0);
  if (flags.length === 0) return { kind: 'serve' };
  if (flags.length > 1) return { kind: 'error', message: `expected at most one option, got: ${flags.join(' ')}` };
  // Go's flag package (the Go GopherGate's) takes `-reset-admin` as well as `--reset-admin`.
  const flag = /^-[a-z][a-z-]+$/.test(flags[0]!) ? `-${flags[0]}` : flags[0];
  switch (flag) {
    case '--version':
    case '-v':
      return { kind: 'version' };
    case '--help':
    case '-h':
      return { kind: 'help' };
    case '--reset-admin':
      return { kind: 'reset-admin' };
    case '--healthcheck':
      return { kind: 'healthcheck' };
    default:
      return { kind: 'error', message: `unknown option ${flags[0]}` };
  }
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
The single-dash spellings of the Go GopherGate (-reset-admin, -version, -help, -healthcheck) work too.
See the README for every setting.
`;
