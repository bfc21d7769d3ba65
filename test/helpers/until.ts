/** Resolves once `cond()` holds, checking every `stepMs`; throws after `ms` (a limit only bounds a hang). */
export async function until(cond: () => boolean, ms = 15_000, stepMs = 10): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await Bun.sleep(stepMs);
  }
}
