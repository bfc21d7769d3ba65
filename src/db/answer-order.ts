/**
 * Whether PostgreSQL answers, set by answers in the order their questions began: a query begun
 * during an outage waits out the connection timeout and can fail after PostgreSQL came back; that
 * late failure must not undo the answer of a question begun later (the next /api calls were told
 * 503 store_unavailable until the next probe).
 */
export class AnswerOrder {
  up = true;
  private began = 0;
  private settledBy = 0;

  /** A question begins: its number, for answered(). */
  begin(): number {
    return ++this.began;
  }

  /** Question `n` was answered (`up`) or failed to reach the server; an older one than the last settled counts for nothing. */
  answered(n: number, up: boolean): void {
    if (n < this.settledBy) return;
    this.settledBy = n;
    this.up = up;
  }
}
