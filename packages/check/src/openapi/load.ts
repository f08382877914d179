import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { HttpClient } from '../http/client.js';
import type { ApiDocument } from './document.js';
import { isObject } from './json.js';

/** What discovery found, and what it tried (reported by the docs.openapi probe). */
export interface Discovery {
  documents: ApiDocument[];
  attempts: { location: string; result: string }[];
  /** The documents were named with --openapi rather than searched for. */
  explicit: boolean;
  /** Swagger 2.0 documents found: reported, but not used by the static probes. */
  swagger2: string[];
}

/** Where APIs commonly publish their document, relative to the base URL. */
const COMMON_LOCATIONS = [
  'openapi.json',
  'openapi.yaml',
  'swagger.json',
  'v3/api-docs',
  'api-docs',
  'docs/openapi.json',
  'docs/json',
];
/** Versioned APIs often publish one document per version. */
const VERSIONED_LOCATIONS = ['v1/openapi.json', 'v2/openapi.json', 'v3/openapi.json'];

type Parsed =
  | { kind: 'openapi'; raw: Record<string, unknown>; version: string }
  | { kind: 'swagger2' }
  | { kind: 'invalid'; reason: string };

/** Parses JSON or YAML text and says whether it is an OpenAPI 3.x document. */
export function parseDocument(text: string): Parsed {
  let value: unknown;
  try {
    value = /^\s*[{[]/.test(text)
      ? JSON.parse(text)
      : // Alias expansion is bounded: a hostile document cannot blow up memory (billion laughs).
        parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    return { kind: 'invalid', reason: `not JSON or YAML (${(error as Error).message})` };
  }
  if (!isObject(value)) return { kind: 'invalid', reason: 'not an object' };
  if (typeof value.openapi === 'string' && /^3\.\d+/.test(value.openapi)) {
    return { kind: 'openapi', raw: value, version: value.openapi };
  }
  if (value.swagger === '2.0') return { kind: 'swagger2' };
  return { kind: 'invalid', reason: 'no "openapi: 3.x" field' };
}

async function fetchDocument(client: HttpClient, url: URL) {
  // Credentials go only to the API's own origin, never to a document hosted elsewhere.
  const as = url.origin === client.base.origin ? 'a' : 'none';
  const reply = await client.send('discovery', { url, as, scan: false });
  if (reply.status !== 200) return { status: reply.status, parsed: undefined };
  if (reply.mediaType === 'text/html') {
    return {
      status: reply.status,
      parsed: { kind: 'invalid', reason: 'an HTML page' } as Parsed,
    };
  }
  return { status: reply.status, parsed: parseDocument(reply.text) };
}

function candidates(base: URL): URL[] {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const under = (relative: string) => new URL(`${basePath}${relative}`, base.origin);
  const versioned = /\/v\d+\/$/.test(basePath) ? [] : VERSIONED_LOCATIONS.map(under);
  const common = COMMON_LOCATIONS.map(under);
  const atRoot =
    basePath === '/' ? [] : COMMON_LOCATIONS.map((path) => new URL(`/${path}`, base.origin));
  return [...versioned, ...common, ...atRoot];
}

/**
 * Loads the documents named with --openapi (URLs or files), or looks for them: first one
 * document per version (/v1/openapi.json, …), then the usual single locations. Every fetch
 * counts against the request budget.
 */
export async function discoverDocuments(
  client: HttpClient | undefined,
  explicit: string[],
): Promise<Discovery> {
  const discovery: Discovery = {
    documents: [],
    attempts: [],
    explicit: explicit.length > 0,
    swagger2: [],
  };
  const accept = (source: string, parsed: Parsed | undefined, status?: number) => {
    if (parsed?.kind === 'openapi') {
      discovery.documents.push({ source, raw: parsed.raw, openapi: parsed.version });
      discovery.attempts.push({ location: source, result: `OpenAPI ${parsed.version}` });
      return true;
    }
    if (parsed?.kind === 'swagger2') discovery.swagger2.push(source);
    const result =
      parsed?.kind === 'swagger2'
        ? 'Swagger 2.0 (not supported: convert to OpenAPI 3)'
        : parsed?.kind === 'invalid'
          ? `not an OpenAPI document: ${parsed.reason}`
          : `HTTP ${status}`;
    discovery.attempts.push({ location: source, result });
    return false;
  };

  if (explicit.length > 0) {
    for (const location of explicit) {
      if (/^https?:\/\//i.test(location)) {
        if (!client) {
          discovery.attempts.push({ location, result: 'not fetched (dry run)' });
          continue;
        }
        const { status, parsed } = await fetchDocument(client, new URL(location));
        accept(location, parsed, status);
      } else {
        try {
          accept(location, parseDocument(await readFile(location, 'utf8')));
        } catch (error) {
          discovery.attempts.push({ location, result: `unreadable: ${(error as Error).message}` });
        }
      }
    }
    return discovery;
  }
  if (!client) return discovery;

  let foundVersioned = false;
  for (const url of candidates(client.base)) {
    const versioned = VERSIONED_LOCATIONS.some((path) => url.pathname.endsWith(`/${path}`));
    // Once per-version documents are found, the single-document locations are not needed.
    if (!versioned && foundVersioned) break;
    const { status, parsed } = await fetchDocument(client, url);
    const found = accept(url.toString(), parsed, status);
    if (found && versioned) foundVersioned = true;
    if (found && !versioned) break;
  }
  return discovery;
}
