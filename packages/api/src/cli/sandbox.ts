import { parseArgs } from 'node:util';
import { startSandboxProcessor } from '../processor/sandbox/server.js';

const USAGE = 'Usage: npm run sandbox -- [--host 127.0.0.1] [--port 4010]\n';

/**
 * `npm run sandbox`: the sandbox payment processor as a process of its own, so that N API
 * instances (PAYMENT_PROCESSOR_URL) share one ledger, as they would share a real processor.
 * Without it each instance runs a private sandbox, and reconciliation on one instance could not
 * find a charge made through another. Stops on SIGTERM/SIGINT.
 */
async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '4010' },
    },
  });
  if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
    process.stderr.write(USAGE);
    return 64; // EX_USAGE
  }
  const sandbox = await startSandboxProcessor({ host: values.host, port: Number(values.port) });
  process.stdout.write(
    `${JSON.stringify({ event: 'processor.sandbox_started', url: sandbox.url })}\n`,
  );
  await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await sandbox.close();
  return 0;
}

process.exitCode = await run();
