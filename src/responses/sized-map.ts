/**
 * A Map in insertion order that keeps the sum of its values' sizes, and lets the oldest entries go
 * past a count or a size bound (the newest always stays): the Responses store's cache and write
 * queue, whose entries can each be as large as a request body.
 */
export class SizedMap<V> {
  private readonly map = new Map<string, V>();
  /** Sum of sizeOf over the values held. */
  bytes = 0;

  constructor(private readonly sizeOf: (v: V) => number) {}

  get size(): number {
    return this.map.size;
  }

  get(id: string): V | undefined {
    return this.map.get(id);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  /** Holds `v` under `id` as the newest entry (an entry already there is replaced). */
  set(id: string, v: V): void {
    this.delete(id);
    this.map.set(id, v);
    this.bytes += this.sizeOf(v);
  }

  delete(id: string): void {
    const v = this.map.get(id);
    if (v === undefined) return;
    this.map.delete(id);
    this.bytes -= this.sizeOf(v);
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

  /** Lets the oldest entries go while more than `maxCount` or `maxBytes` are held, never the newest; returns how many went. */
  trim(maxCount: number, maxBytes: number): number {
    let dropped = 0;
    for (const id of this.map.keys()) {
      if (this.map.size <= 1 || (this.map.size <= maxCount && this.bytes <= maxBytes)) break;
      this.delete(id);
      dropped++;
    }
    return dropped;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.map.entries();
  }
}
