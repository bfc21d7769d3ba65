/**
 * A promise rejected with nothing waiting for it would end the process (Bun, like Node, exits on
 * an unhandled rejection), and with it every stream in flight. The gateway's own code catches
 * what it starts; what is left are the runtime's clients: Bun's PostgreSQL pool has been seen to
 * reject promises no caller holds when a connection dies under a transaction or a reservation
 * (oven-sh/bun#39562, #39598). One such rejection during a database outage must not stop a
 * gateway that is otherwise serving, so the server says it on stderr, with its stack, and goes on.
 * Installed by the server only (main.ts): `bun test` keeps failing a test on one.
 */
export function keepServingOnStrayRejections(warn: (msg: string) => void = console.error): void {
  process.on('unhandledRejection', (reason) => {
    const what = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason);
    warn(`gophergate: a promise rejected with nothing waiting for it (serving goes on): ${what}`);
  });
}
