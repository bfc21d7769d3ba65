/// <reference lib="webworker" />
/**
 * The log writer thread: owns its own SQLite connection and writes each batch the main thread
 * posts in one transaction, rollups included, then acknowledges it by sequence number. Messages
 * are handled in order, so `close` is acknowledged only after every earlier batch is committed.
 */
import { Database } from 'bun:sqlite';
import { applyPragmas, closeSqlite } from '../db/client';
import { createLogWriter, type LogWriter } from './log-writer';
import type { LogRow } from './log-row';
import type { FromWriter, ToWriter, WriterInit } from './log-writer-protocol';
import { runRetention } from './retention-runner';

declare const self: Worker;

let sqlite: Database | null = null;
let writer: LogWriter | null = null;
let settings: WriterInit | null = null;
let retentionTimer: ReturnType<typeof setInterval> | null = null;
let closing = false;
let retentionBusy: Promise<number> | null = null;

const reply = (msg: FromWriter) => self.postMessage(msg);

function retention(): Promise<number> {
  if (!writer || !settings) return Promise.resolve(0);
  // One pass at a time; a request for another while one runs waits for the same pass.
  retentionBusy ??= runRetention(writer, {
    retentionDays: settings.retentionDays,
    batch: settings.retentionBatch,
    shouldStop: () => closing,
  })
    .catch((err) => {
      console.error(`gophergate log writer: retention failed: ${(err as Error).message}`);
      return 0;
    })
    .finally(() => (retentionBusy = null));
  return retentionBusy;
}

function writeWithRetry(msg: ToWriter & { type: 'batch' }): void {
  let records: LogRow[];
  try {
    records = JSON.parse(msg.json);
  } catch (err) {
    reply({ type: 'failed', seq: msg.seq, count: 0, message: `unreadable batch: ${(err as Error).message}` });
    return;
  }
  // SQLITE_BUSY past busy_timeout (a long dashboard write) gets two more chances before giving up.
  for (let attempt = 0; ; attempt++) {
    try {
      writer!.writeBatch(records);
      reply({ type: 'written', seq: msg.seq, count: records.length });
      return;
    } catch (err) {
      if (attempt >= 2) {
        reply({ type: 'failed', seq: msg.seq, count: records.length, message: (err as Error).message });
        return;
      }
    }
  }
}

self.onmessage = (event: MessageEvent<ToWriter>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'init':
      try {
        settings = msg;
        sqlite = new Database(msg.dbPath, { create: true });
        applyPragmas(sqlite);
        writer = createLogWriter(sqlite);
      } catch (err) {
        reply({ type: 'fatal', message: `cannot open ${msg.dbPath}: ${(err as Error).message}` });
        return;
      }
      void retention();
      retentionTimer = setInterval(() => void retention(), msg.retentionIntervalMs);
      return;
    case 'batch':
      if (!writer) reply({ type: 'failed', seq: msg.seq, count: 0, message: 'log writer not open' });
      else writeWithRetry(msg);
      return;
    case 'retention':
      void retention().then((deleted) => reply({ type: 'retention', seq: msg.seq, deleted }));
      return;
    case 'close':
      closing = true;
      if (retentionTimer) clearInterval(retentionTimer);
      void (retentionBusy ?? Promise.resolve(0)).then(() => {
        if (sqlite) closeSqlite(sqlite);
        sqlite = null;
        writer = null;
        reply({ type: 'closed' });
      });
      return;
  }
};
