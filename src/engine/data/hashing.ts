/**
 * Fixed-memory building blocks for the one-pass profiler: value hashes, a HyperLogLog distinct
 * estimate (used only once exact counting hits its cap), a set of 64-bit key hashes for duplicate
 * detection, and a seeded reservoir so sampled results repeat run to run.
 */

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Second hash of the last `hashString` call; a pair gives 64 bits without allocating. */
export let hashHigh = 0;

/** Two independent 32-bit hashes of a string: the result, and `hashHigh`. */
export function hashString(s: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashHigh = fmix32(b);
  return fmix32(a);
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The raw bits of a double, low word as the result and high word in `hashHigh`: exact, 64 bits. */
export function numberBits(x: number): number {
  f64[0] = x === 0 ? 0 : x;
  hashHigh = u32[1]!;
  return u32[0]!;
}

export function hashNumber(x: number): number {
  f64[0] = x === 0 ? 0 : x; // -0 and 0 are one value
  return fmix32(u32[0]! ^ Math.imul(u32[1]!, 0x9e3779b1));
}

/** HyperLogLog with 4,096 registers: about 1.6 % standard error, 4 KiB per column. */
export class HyperLogLog {
  private readonly reg = new Uint8Array(4096);

  add(hash: number): void {
    const idx = hash >>> 20;
    // The sentinel bit bounds the rank at 21 when the remaining 20 bits are all zero.
    const rank = Math.clz32(((hash << 12) | 0x800) >>> 0) + 1;
    if (rank > this.reg[idx]!) this.reg[idx] = rank;
  }

  estimate(): number {
    const m = 4096;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.reg[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    let e = ((0.7213 / (1 + 1.079 / m)) * m * m) / sum;
    if (e <= 2.5 * m && zeros > 0) e = m * Math.log(m / zeros);
    else if (e > 2 ** 32 / 30) e = -(2 ** 32) * Math.log(1 - e / 2 ** 32);
    return Math.round(e);
  }
}

/**
 * Set of 64-bit hashes (open addressing over a Uint32Array, 8 bytes a slot, at most half full), so
 * five million keys cost about 128 MiB instead of the gigabytes a Set of key strings would. Two
 * different keys collide with probability ~n²/2⁶⁵: about 7·10⁻⁷ at five million keys.
 */
export class KeyHashSet {
  private slots: Uint32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 16) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** True when the pair was not in the set yet. */
  add(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) lo = 1; // (0, 0) marks an empty slot
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    return this.insert(this.slots, this.mask, lo >>> 0, hi >>> 0);
  }

  private insert(slots: Uint32Array, mask: number, lo: number, hi: number): boolean {
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const a = slots[2 * i]!;
      const b = slots[2 * i + 1]!;
      if (a === 0 && b === 0) {
        slots[2 * i] = lo;
        slots[2 * i + 1] = hi;
        this.size++;
        return true;
      }
      if (a === lo && b === hi) return false;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0 || old[i + 1] !== 0) this.insert(this.slots, this.mask, old[i]!, old[i + 1]!);
  }
}

/** mulberry32: small, fast, seedable; uniform in (0, 1), never exactly 0 (logs below need that). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296);
  };
}

/**
 * Keeps every value up to `max`, then a uniform sample of `max` (reservoir sampling, Li's "Algorithm
 * L": it draws random numbers only for the items it keeps, so a long tail costs almost nothing).
 */
export class Reservoir {
  readonly max: number;
  seen = 0;
  private buf: Float64Array;
  private len = 0;
  private readonly rand: () => number;
  private w = 0;
  private next = 0;

  constructor(max: number, seed: number) {
    this.max = Math.max(1, Math.floor(max));
    this.buf = new Float64Array(Math.min(this.max, 1024));
    this.rand = seededRandom(seed);
  }

  get sampled(): boolean {
    return this.seen > this.max;
  }

  add(x: number): void {
    const seen = ++this.seen;
    if (this.len < this.max) {
      if (this.len === this.buf.length) {
        const bigger = new Float64Array(Math.min(this.max, this.buf.length * 2));
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf[this.len++] = x;
      if (this.len === this.max) {
        this.w = Math.exp(Math.log(this.rand()) / this.max);
        this.next = seen + Math.floor(Math.log(this.rand()) / Math.log(1 - this.w)) + 1;
      }
      return;
    }
    if (seen !== this.next) return;
    this.buf[Math.floor(this.rand() * this.max)] = x;
    this.w *= Math.exp(Math.log(this.rand()) / this.max);
    this.next += Math.floor(Math.log(this.rand()) / Math.log(1 - this.w)) + 1;
  }

  values(): Float64Array {
    return this.buf.subarray(0, this.len);
  }
}
