/**
 * Holds the event loop up for `ms` (a long GC pause or synchronous task) from inside an I/O
 * callback, after running `during` (what should arrive while the loop is held). Held there, as a
 * stall in a request handler is, the runtime then runs the timers that fell due before it polls
 * for the I/O that came meanwhile (blocked outside an I/O callback, it polls first, and a test
 * would not see the difference). Resolves once the loop runs again.
 */
export async function holdEventLoop(ms: number, during: () => void = () => {}): Promise<void> {
  let held!: () => void;
  const done = new Promise<void>((r) => (held = r));
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data() {
        during();
        Bun.sleepSync(ms);
        held();
      },
    },
  });
  const client = await Bun.connect({ hostname: '127.0.0.1', port: listener.port, socket: { data() {} } });
  client.write('x');
  try {
    await done;
  } finally {
    client.end();
    listener.stop(true);
  }
}
