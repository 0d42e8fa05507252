// Typed buffers that one verdict engine reuses for every metric and comparison it judges: they grow to the largest
// history seen and are never freed, so judging a fleet allocates no per-run objects; what is left per history is
// its columns (history-columns.ts) and its endpoints' (issue 24: a quarter of a fleet report was garbage
// collection).

/** A typed array of at least `n` elements, grown by doubling; its contents are not kept across a growth. */
class Growable<T extends Float64Array | Int32Array | Uint8Array> {
  private buffer: T;
  // The last view handed out: a subarray is an object of its own, and the same length is asked for again and
  // again (every comparison of a metric works on its n samples).
  private last: T;

  constructor(private readonly make: (n: number) => T) {
    this.buffer = make(64);
    this.last = this.buffer.subarray(0, 0) as T;
  }

  /** A view of the first `n` elements, with stale values: the caller writes before it reads. */
  view(n: number): T {
    if (n === this.last.length && this.last.buffer === this.buffer.buffer) return this.last;
    if (n > this.buffer.length) {
      let size = this.buffer.length;
      while (size < n) size *= 2;
      this.buffer = this.make(size);
    }
    this.last = this.buffer.subarray(0, n) as T;
    return this.last;
  }
}

export type Float64Buffer = Growable<Float64Array>;
export type Int32Buffer = Growable<Int32Array>;
export type Uint8Buffer = Growable<Uint8Array>;

export const float64Buffer = (): Float64Buffer => new Growable((n) => new Float64Array(n));
export const int32Buffer = (): Int32Buffer => new Growable((n) => new Int32Array(n));
export const uint8Buffer = (): Uint8Buffer => new Growable((n) => new Uint8Array(n));

/** The scratch space of the statistics that sort or group: values, their order, and per-group counts. */
export interface Scratch {
  values: Float64Buffer;
  more: Float64Buffer;
  levels: Float64Buffer;
  order: Int32Buffer;
  next: Int32Buffer;
  counts: Int32Buffer;
}

export const scratch = (): Scratch => ({
  values: float64Buffer(),
  more: float64Buffer(),
  levels: float64Buffer(),
  order: int32Buffer(),
  next: int32Buffer(),
  counts: int32Buffer(),
});
