import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashHigh, hashNumber, hashString, HyperLogLog, KeyHashSet, Reservoir, seededRandom } from '../../../src/engine/data/hashing.ts';
import { completeUtf8Length } from '../../../src/engine/data/text.ts';

test('HyperLogLog estimates within a few percent, from small to large counts', () => {
  for (const n of [10, 1000, 50_000, 300_000]) {
    const s = new HyperLogLog();
    const x = new HyperLogLog();
    for (let i = 0; i < n; i++) {
      s.add(hashString(`key-${i}`));
      s.add(hashString(`key-${i % 7}`)); // repeats do not count
      x.add(hashNumber(i * 0.5));
    }
    for (const [what, h] of [['strings', s], ['numbers', x]] as const) {
      const err = Math.abs(h.estimate() - n) / n;
      assert.ok(err < 0.05, `${what} n=${n}: estimate ${h.estimate()}`);
    }
  }
  const z = new HyperLogLog();
  z.add(hashNumber(0));
  z.add(hashNumber(-0));
  assert.equal(z.estimate(), 1, '0 and -0 are one value');
});

test('KeyHashSet: membership of 64-bit pairs through growth', () => {
  const set = new KeyHashSet(16);
  for (let i = 0; i < 100_000; i++) assert.equal(set.add(hashString(`k${i}`), hashHigh), true);
  for (let i = 0; i < 100_000; i += 997) assert.equal(set.add(hashString(`k${i}`), hashHigh), false);
  assert.equal(set.size, 100_000);
  assert.equal(set.add(0, 0), true);
  assert.equal(set.add(0, 0), false, 'the empty-slot marker is still a key');
});

test('seededRandom repeats per seed and stays inside (0, 1)', () => {
  const a = seededRandom(1);
  const b = seededRandom(1);
  const xs = Array.from({ length: 10_000 }, () => a());
  assert.deepEqual(xs.slice(0, 50), Array.from({ length: 50 }, () => b()));
  assert.ok(xs.every((x) => x > 0 && x < 1));
  const mean = xs.reduce((t, x) => t + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});

test('Reservoir sampling is uniform over the stream', () => {
  // Each of 10,000 positions should be kept with probability 1/10; count by decile over many seeds.
  const deciles = new Array<number>(10).fill(0);
  for (let seed = 0; seed < 200; seed++) {
    const r = new Reservoir(1000, seed);
    for (let i = 0; i < 10_000; i++) r.add(i);
    assert.equal(r.values().length, 1000);
    for (const v of r.values()) deciles[Math.floor(v / 1000)]!++;
  }
  for (const d of deciles) assert.ok(Math.abs(d - 20_000) < 800, `decile count ${d}`);
});

test('completeUtf8Length cuts before an incomplete UTF-8 sequence only', () => {
  const bytes = Buffer.from('a€😀');
  const cuts = Array.from({ length: bytes.length + 1 }, (_, n) => completeUtf8Length(bytes.subarray(0, n)));
  assert.deepEqual(cuts, [0, 1, 1, 1, 4, 4, 4, 4, 8]);
});
