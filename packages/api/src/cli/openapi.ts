/**
 * The contract gate (docs/versioning.md).
 *
 *   npm run openapi:write   regenerate openapi/v{n}.json and the typed clients from the code;
 *                           refuses when the code breaks a published contract.
 *   npm run openapi:check   CI: fail on any breaking difference between the code and any
 *                           published version of a contract (the committed file and every
 *                           earlier commit of it), and on committed files that are out of date.
 *
 * Options (for the gate's own tests): --current <dir> checks the documents in <dir>/v{n}.json
 * instead of generating them; --no-history compares with the committed files only.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { OpenApiDocument } from '../platform/openapi/document-types.js';
import { API_VERSIONS, type ApiVersion } from '../platform/versioning/api-version.js';
import {
  compareContracts,
  formatChange,
  type ContractChange,
} from './contract/breaking-changes.js';
import { isClarified, readClarifications } from './contract/clarifications.js';
import { clientTypesPath, formatted, renderClientTypes } from './contract/client-types.js';
import {
  contractPath,
  contractRepoPath,
  generateDocuments,
  readContract,
} from './contract/documents.js';
import { publishedHistory } from './contract/history.js';

interface Options {
  command: 'write' | 'check';
  currentDir?: string;
  history: boolean;
}

function parseArguments(argv: string[]): Options {
  const [command, ...rest] = argv;
  if (command !== 'write' && command !== 'check') {
    throw new Error('usage: openapi <write|check> [--current <dir>] [--no-history]');
  }
  const options: Options = { command, history: true };
  for (let i = 0; i < rest.length; i += 1) {
    if (rest[i] === '--no-history') options.history = false;
    else if (rest[i] === '--current' && rest[i + 1] !== undefined) options.currentDir = rest[++i];
    else throw new Error(`unknown option ${rest[i]}`);
  }
  return options;
}

async function currentDocuments(options: Options) {
  if (options.currentDir === undefined) return generateDocuments();
  const documents = {} as Record<ApiVersion, OpenApiDocument>;
  for (const version of API_VERSIONS)
    documents[version] = JSON.parse(
      readFileSync(`${options.currentDir}/${version}.json`, 'utf8'),
    ) as OpenApiDocument;
  return documents;
}

/** The breaking changes from every published version of `version`'s contract to `current`. */
function breakingChanges(version: ApiVersion, current: OpenApiDocument, history: boolean) {
  const committed = readContract(version);
  const published = [
    ...(committed ? [committed] : []),
    ...((history ? publishedHistory(contractRepoPath(version)) : undefined) ?? []),
  ];
  const clarifications = readClarifications();
  const seen = new Set<string>();
  const found: string[] = [];
  const clarified: string[] = [];
  for (const document of published) {
    for (const change of compareContracts(document, current).filter((c) => c.breaking)) {
      const line = formatChange(change);
      if (seen.has(line)) continue;
      seen.add(line);
      (isClarified(version, change, clarifications) ? clarified : found).push(line);
    }
  }
  return { committed, found, clarified };
}

async function main(options: Options): Promise<number> {
  const documents = await currentDocuments(options);
  let failed = false;
  for (const version of API_VERSIONS) {
    const current = documents[version];
    const { committed, found, clarified } = breakingChanges(version, current, options.history);
    if (clarified.length > 0) {
      process.stdout.write(
        `  ${contractRepoPath(version)}: ${clarified.length} change(s) the diff calls breaking, acknowledged in openapi/clarifications.json as stating what the API already enforced:\n` +
          clarified.map((line) => `  - ${line}\n`).join(''),
      );
    }
    if (found.length > 0) {
      failed = true;
      process.stderr.write(
        `\n✗ ${contractRepoPath(version)}: ${found.length} breaking change(s) to the published ${version} contract.\n` +
          `  A published version never breaks. Undo the change, make it additive, or ship it in a new API version (docs/versioning.md).\n` +
          found.map((line) => `  - ${line}\n`).join(''),
      );
      continue;
    }
    if (options.command === 'write') {
      mkdirSync(dirname(contractPath(version)), { recursive: true });
      writeFileSync(
        contractPath(version),
        await formatted(JSON.stringify(current), contractPath(version)),
      );
      mkdirSync(dirname(clientTypesPath(version)), { recursive: true });
      writeFileSync(clientTypesPath(version), await renderClientTypes(current, version));
      process.stdout.write(`✓ wrote ${contractRepoPath(version)} and its typed client\n`);
      continue;
    }
    if (committed === undefined) {
      failed = true;
      process.stderr.write(
        `\n✗ ${contractRepoPath(version)} is missing: run \`npm run openapi:write\` and commit it.\n`,
      );
      continue;
    }
    const additive: ContractChange[] = isDeepStrictEqual(committed, current)
      ? []
      : compareContracts(committed, current);
    const typesPath = clientTypesPath(version);
    const typesCurrent =
      existsSync(typesPath) &&
      readFileSync(typesPath, 'utf8') === (await renderClientTypes(current, version));
    if (!isDeepStrictEqual(committed, current) || !typesCurrent) {
      failed = true;
      process.stderr.write(
        `\n✗ ${contractRepoPath(version)} (or its typed client) is out of date with the code; the changes are additive.\n` +
          '  Run `npm run openapi:write` and commit the result.\n' +
          additive.map((change) => `  - ${formatChange(change)}\n`).join(''),
      );
      continue;
    }
    process.stdout.write(`✓ ${contractRepoPath(version)} matches the code; no breaking change\n`);
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(parseArguments(process.argv.slice(2)));
