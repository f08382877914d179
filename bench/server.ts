/**
 * The API as packages/api/src/main.ts runs it, plus the benchmark-only switches (AppOverrides.bench)
 * that no configuration can reach: BENCH_OFF lists the features to switch off (`auth`,
 * `rate_limits`, `idempotency`; auth off acts as the account in BENCH_ACT_AS). Everything else
 * comes from the same environment variables as production. Started by bench/run.ts.
 */
import { buildApp, type BenchSwitches } from '../packages/api/src/app.js';
import { loadConfig } from '../packages/api/src/config/index.js';
import { migrateToLatest } from '../packages/api/src/db/migrate.js';
import { SCOPES } from '../packages/api/src/platform/auth/scopes.js';
import { probesOnOpsListener } from '../packages/api/src/platform/health/ops-listener.js';
import { startMetricsServer } from '../packages/api/src/platform/observability/metrics-server.js';
import { sandboxWhenUnset } from '../packages/api/src/processor/sandbox/when-unset.js';

const off = new Set((process.env.BENCH_OFF ?? '').split(',').filter(Boolean));

function switches(): BenchSwitches {
  const bench: BenchSwitches = {};
  if (off.has('auth')) {
    const accountId = process.env.BENCH_ACT_AS;
    if (!accountId) throw new Error('BENCH_OFF=auth needs BENCH_ACT_AS=<account id>');
    bench.actAs = {
      kind: 'api_key',
      accountId,
      keyId: 'key_bench',
      mode: 'test',
      scopes: [...SCOPES],
    };
  }
  if (off.has('rate_limits')) bench.rateLimits = false;
  if (off.has('idempotency')) bench.idempotency = false;
  return bench;
}

const { config, sandbox } = await sandboxWhenUnset(loadConfig());
const app = await buildApp(config, { bench: switches() });
if (config.migrateOnStart) await migrateToLatest(app.db);
const metricsServer = config.observability.metrics.enabled
  ? await startMetricsServer(
      app.metrics.registry,
      config.observability.metrics,
      probesOnOpsListener(app),
    )
  : undefined;

process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await sandbox?.close();
    await metricsServer?.close();
    process.exit(0);
  })();
});

await app.listen({ host: config.host, port: config.port, backlog: app.connectionLimits.backlog });
process.stderr.write(
  `bench server listening on ${config.port} (off: ${[...off].join(',') || 'none'})\n`,
);
