/** Settings the worker needs; sent once as the first message. */
export interface WriterInit {
  type: 'init';
  dbPath: string;
  /** Raw rows older than this many days are deleted; 0 or less keeps everything. */
  retentionDays: number;
  /** Rows deleted per retention step (each step is one short write transaction). */
  retentionBatch: number;
  /** Pause between retention passes. */
  retentionIntervalMs: number;
}

export type ToWriter =
  | WriterInit
  /** Records as a JSON array: stringifying costs the main thread ~4x less than structured clone. */
  | { type: 'batch'; seq: number; json: string }
  | { type: 'retention'; seq: number }
  | { type: 'close' };

export type FromWriter =
  | { type: 'written'; seq: number; count: number }
  | { type: 'failed'; seq: number; count: number; message: string }
  | { type: 'retention'; seq: number; deleted: number }
  | { type: 'fatal'; message: string }
  | { type: 'closed' };
