/**
 * Child process of crash.test.ts: runs one versioning operation so the parent can kill -9 it at
 * a random moment. Prints "ready" just before the operation and "done <ms>" after it.
 * argv: <root> add <path…> | checkout <path> <hash> | gc
 */
import { loadConfig } from '../../../src/engine/config/config.ts';
import { Store } from '../../../src/engine/store/store.ts';
import { openVersioning } from '../../../src/engine/versioning/versioning.ts';

const [root, op, ...args] = process.argv.slice(2);
const store = Store.open(root!, { origin: 'test' });
const v = openVersioning(root!, { store, config: loadConfig(root!), actor: 'crash-test' });
process.stdout.write('ready\n');
const t0 = performance.now();
if (op === 'add') {
  for (const p of args) await v.add(p, 'cli');
} else if (op === 'checkout') {
  await v.restore(args[0]!, args[1]!, { force: true });
} else if (op === 'gc') {
  await v.gc({ dryRun: false });
} else {
  throw new Error(`unknown op ${op}`);
}
store.close();
process.stdout.write(`done ${Math.round(performance.now() - t0)}\n`);
