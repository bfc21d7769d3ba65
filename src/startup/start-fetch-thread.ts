/**
 * Starts Bun's HTTP client thread now, while descriptors are free. The first fetch() of a process
 * starts it, and a start that finds no descriptor free ends the process ("bun ran out of file
 * descriptors (ProcessFdQuotaExceeded)", exit 1, bun 1.4.5: measured), with every request in
 * flight; once started, a fetch() at the open-file limit is only refused with EMFILE. Fetch calls
 * the providers with LLM_PROXY__UPSTREAM__CLIENT=fetch (or a proxy set) and fetches remote images
 * whatever the client, so it may first run at the limit. A connection to port 0 is refused by the
 * kernel at once: nothing is sent anywhere.
 */
export function startFetchThread(): Promise<void> {
  return fetch('http://127.0.0.1:0/').then(
    () => {},
    () => {},
  );
}
