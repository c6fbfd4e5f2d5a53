// The 10-column CSV the data and checks benchmarks read: seeded, so every run writes the same file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from '../src/engine/data/hashing.ts';

export const BENCH_CSV_HEADER = 'id,x1,x2,x3,x4,cat,flag,small,day,score';

/** `rows` rows of id, gaussian, uniform, exponential (empty with probability `missingX3`), int, category, flag, small int, date, score. */
export async function writeBenchCsv(file: string, rows: number, options: { missingX3?: number } = {}): Promise<void> {
  const rand = seededRandom(2024);
  const gauss = (): number => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
  const x3 = (): string => (-Math.log(rand())).toFixed(4);
  const missing = options.missingX3;
  const out = createWriteStream(file);
  out.write(`${BENCH_CSV_HEADER}\n`);
  let buf = '';
  for (let i = 0; i < rows; i++) {
    const month = String(1 + Math.floor(rand() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(rand() * 28)).padStart(2, '0');
    // A file with missing values settles x3 before the other columns, the other in column order:
    // the draws stay in the order each benchmark always used, so the files are as before.
    const early = missing === undefined ? undefined : rand() < missing ? '' : x3();
    buf += `${i},${gauss().toFixed(4)},${(rand() * 100).toFixed(3)},${early ?? x3()},${Math.floor(rand() * 1001) - 500},${cats[Math.floor(rand() * 5)]},${rand() < 0.5 ? 'true' : 'false'},${Math.floor(rand() * 10)},2024-${month}-${day},${rand().toFixed(5)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
