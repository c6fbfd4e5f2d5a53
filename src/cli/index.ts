import { main } from './main.ts';

// The `mlops` binary: the process streams, the real cwd, and the exit code main() decides.
main(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  isTTY: Boolean(process.stdout.isTTY),
}).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => { process.stderr.write(`mlops: internal error: ${(e as Error)?.stack ?? String(e)}\n`); process.exitCode = 1; },
);
