import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp, type AppOverrides } from '../../app.js';
import { loadConfig } from '../../config/index.js';
import { openDatabase } from '../../db/database.js';
import type { OpenApiDocument } from '../../platform/openapi/document-types.js';
import { API_VERSIONS, type ApiVersion } from '../../platform/versioning/api-version.js';

/** openapi/ at the repository root: the published contracts, one per version. */
export const CONTRACTS_DIR = fileURLToPath(new URL('../../../../../openapi/', import.meta.url));

/** The committed contract of a version. */
export const contractPath = (version: ApiVersion) => `${CONTRACTS_DIR}${version}.json`;

/** Its path inside the repository, for git. */
export const contractRepoPath = (version: ApiVersion) => `openapi/${version}.json`;

/**
 * The documents the code publishes, generated as the API serves them (GET /v{n}/openapi.json)
 * from an app that is built but never listens. Fixed defaults, not the environment, so the
 * result is the same on every machine.
 */
export async function generateDocuments(
  /** For the gate's own tests: e.g. an onRoute hook that changes a route as a code change would. */
  overrides: Pick<AppOverrides, 'onRoute'> = {},
): Promise<Record<ApiVersion, OpenApiDocument>> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', METRICS_ENABLED: 'false' });
  const db = openDatabase({ url: ':memory:', poolMax: 1, statementTimeoutMs: 5_000 });
  const app = await buildApp(config, { ...overrides, db });
  try {
    await app.ready();
    const documents = {} as Record<ApiVersion, OpenApiDocument>;
    for (const version of API_VERSIONS) {
      const response = await app.inject({ method: 'GET', url: `/${version}/openapi.json` });
      if (response.statusCode !== 200)
        throw new Error(`GET /${version}/openapi.json answered ${response.statusCode}`);
      documents[version] = response.json<OpenApiDocument>();
    }
    return documents;
  } finally {
    await app.close();
    await db.close();
  }
}

/** The committed contract of a version, or undefined when it was never published. */
export function readContract(version: ApiVersion): OpenApiDocument | undefined {
  const path = contractPath(version);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument) : undefined;
}
