import { main } from './cli/main.js';

// The process entry of `steadfast-check`: everything testable lives in cli/main.ts.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
