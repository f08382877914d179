import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import $RefParser from '@apidevtools/json-schema-ref-parser';
import { upgradeFromTwoToThree } from '@scalar/openapi-upgrader/2.0-to-3.0';
import { parse as parseYaml } from 'yaml';
import type { HttpClient, Reply } from '../http/client.js';
import { parseLinks } from '../http/headers.js';
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
/** Most documents fetched while searching: discovery is bounded in requests. */
const MAX_DISCOVERY_FETCHES = 24;
/** A URL or path that names an API description. */
const DESCRIPTION_LINK =
  /(openapi|swagger|api-docs|api-spec|apispec)[\w./-]*(\.json|\.ya?ml|\/?)$/i;

type Parsed =
  | { kind: 'openapi'; raw: Record<string, unknown>; version: string }
  | { kind: 'swagger2'; raw: Record<string, unknown> }
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
  if (value.swagger === '2.0') return { kind: 'swagger2', raw: value };
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

/** Reads referenced documents over HTTP through the run's client (counted, paced, recorded). */
function httpReader(client: HttpClient): ReadRef {
  return async (location) => {
    if (!/^https?:/i.test(location))
      throw new Error(`${location}: a remote document may only reference URLs`);
    const url = new URL(location);
    const as = url.origin === client.base.origin ? 'a' : 'none';
    const reply = await client.send('discovery', { url, as, scan: false });
    if (reply.status !== 200) throw new Error(`${location}: HTTP ${reply.status}`);
    return reply.text;
  };
}

/** Reads a referenced file: over HTTP through the run's client, or from disk for local documents. */
type ReadRef = (location: string) => Promise<string>;

/**
 * The document made self-contained and OpenAPI 3: external `$ref`s (other files or URLs) bundled
 * in with a maintained resolver, and Swagger 2.0 converted to OpenAPI 3.0.
 */
async function prepare(
  parsed: Parsed | undefined,
  source: string,
  readRef: ReadRef,
): Promise<Parsed | undefined> {
  if (parsed?.kind !== 'openapi' && parsed?.kind !== 'swagger2') return parsed;
  let raw = parsed.raw;
  if (hasExternalRefs(raw)) {
    try {
      const options = {
        resolve: {
          external: true,
          // Every referenced file goes through readRef: remote documents never read local files.
          file: false,
          http: false,
          run: {
            order: 1,
            canRead: true,
            read: (file: { url: string }) => readRef(file.url),
          },
        },
      };
      const bundled: unknown = await $RefParser.bundle(
        source,
        structuredClone(raw),
        options as unknown as Parameters<typeof $RefParser.bundle>[2],
      );
      if (!isObject(bundled)) return { kind: 'invalid', reason: 'bundling produced no object' };
      raw = bundled;
    } catch (error) {
      return {
        kind: 'invalid',
        reason: `external $ref not resolved (${(error as Error).message})`,
      };
    }
  }
  if (parsed.kind === 'swagger2') {
    const converted = upgradeFromTwoToThree(structuredClone(raw)) as Record<string, unknown>;
    const version = typeof converted.openapi === 'string' ? converted.openapi : '3.0.0';
    return { kind: 'openapi', raw: converted, version: `${version} (converted from Swagger 2.0)` };
  }
  return { ...parsed, raw };
}

/** True when some `$ref` points outside the document. */
function hasExternalRefs(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => hasExternalRefs(item, depth + 1));
  if (!isObject(value)) return false;
  if (typeof value.$ref === 'string' && !value.$ref.startsWith('#')) return true;
  return Object.values(value).some((item) => hasExternalRefs(item, depth + 1));
}

/** Where a search looks, in order, with why: links first, then the usual paths. */
interface Candidate {
  url: URL;
  why: string;
}

/** Hrefs with rel="service-desc" (RFC 8631) in a Link header. */
function serviceDescLinks(reply: Reply | undefined, base: URL): Candidate[] {
  if (!reply) return [];
  return parseLinks(reply.header('link'))
    .filter((link) => link.rel.includes('service-desc'))
    .flatMap((link) => {
      try {
        return [{ url: new URL(link.href, base), why: 'Link rel="service-desc"' }];
      } catch {
        return [];
      }
    });
}

/** Links to an API description in a root answer: JSON string values, or HTML hrefs. */
function rootBodyLinks(reply: Reply | undefined, base: URL): Candidate[] {
  if (!reply || reply.status >= 300) return [];
  const hrefs: string[] = [];
  const walk = (value: unknown, depth: number) => {
    if (depth > 4) return;
    if (typeof value === 'string') hrefs.push(value);
    else if (Array.isArray(value)) for (const item of value.slice(0, 100)) walk(item, depth + 1);
    else if (isObject(value))
      for (const item of Object.values(value).slice(0, 100)) walk(item, depth + 1);
  };
  if (reply.json !== undefined) walk(reply.json, 0);
  else if (reply.mediaType === 'text/html') {
    for (const match of reply.text
      .slice(0, 200_000)
      .matchAll(/(?:href|src|url)\s*[=:]\s*["']([^"']+)["']/gi)) {
      hrefs.push(match[1]!);
    }
  }
  return hrefs
    .filter((href) => href.length < 500 && DESCRIPTION_LINK.test(href.split(/[?#]/)[0]!))
    .flatMap((href) => {
      try {
        const url = new URL(href, reply.exchange.request.url);
        return url.origin === base.origin ? [{ url, why: 'linked from the root answer' }] : [];
      } catch {
        return [];
      }
    });
}

/** Service descriptions listed in an RFC 9727 API catalog (a linkset, RFC 9264). */
function catalogLinks(reply: Reply): Candidate[] {
  const found: Candidate[] = [];
  const body = reply.json;
  const sets = isObject(body) && Array.isArray(body.linkset) ? body.linkset : [];
  for (const set of sets) {
    if (!isObject(set)) continue;
    const targets = set['service-desc'];
    if (!Array.isArray(targets)) continue;
    for (const target of targets) {
      if (!isObject(target) || typeof target.href !== 'string') continue;
      try {
        found.push({
          url: new URL(target.href, reply.exchange.request.url),
          why: 'listed in /.well-known/api-catalog',
        });
      } catch {
        // An unusable href is skipped, like a browser would.
      }
    }
  }
  return [...found, ...serviceDescLinks(reply, new URL(reply.exchange.request.url))];
}

/** The usual paths: per version, then single documents under the base, the version prefix and the root. */
function usualCandidates(base: URL, versionPrefix: string | undefined): Candidate[] {
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const under = (prefix: string, relative: string) =>
    new URL(`${prefix.endsWith('/') ? prefix : `${prefix}/`}${relative}`, base.origin);
  const versioned = /\/v\d+\/$/.test(basePath)
    ? []
    : VERSIONED_LOCATIONS.map((path) => ({ url: under(basePath, path), why: 'usual path' }));
  const prefixes = [basePath, ...(versionPrefix ? [versionPrefix] : []), '/'];
  return [
    ...versioned,
    ...prefixes.flatMap((prefix) =>
      COMMON_LOCATIONS.map((path) => ({ url: under(prefix, path), why: 'usual path' })),
    ),
  ];
}

/**
 * Loads the documents named with --openapi (URLs or files), or looks for them: first one
 * document per version (/v1/openapi.json, …), then the usual single locations. Every fetch
 * counts against the request budget.
 */
export async function discoverDocuments(
  client: HttpClient | undefined,
  explicit: string[],
  hints: { root?: Reply; versionPrefix?: string } = {},
): Promise<Discovery> {
  const discovery: Discovery = {
    documents: [],
    attempts: [],
    explicit: explicit.length > 0,
    swagger2: [],
  };
  const accept = (source: string, parsed: Parsed | undefined, status?: number) => {
    if (parsed?.kind === 'openapi') {
      const converted = parsed.version.includes('converted from Swagger 2.0');
      if (converted) discovery.swagger2.push(source);
      discovery.documents.push({
        source,
        raw: parsed.raw,
        openapi: parsed.version.split(' ')[0]!,
        ...(converted ? { convertedFrom: 'swagger 2.0' as const } : {}),
      });
      discovery.attempts.push({ location: source, result: `OpenAPI ${parsed.version}` });
      return true;
    }
    const result =
      parsed?.kind === 'invalid' ? `not an OpenAPI document: ${parsed.reason}` : `HTTP ${status}`;
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
        accept(location, await prepare(parsed, location, httpReader(client)), status);
      } else {
        try {
          const path = resolvePath(location);
          accept(
            location,
            await prepare(parseDocument(await readFile(path, 'utf8')), path, (ref) =>
              /^https?:/i.test(ref) && client
                ? httpReader(client)(ref)
                : readFile(ref.startsWith('file:') ? fileURLToPath(ref) : ref, 'utf8'),
            ),
          );
        } catch (error) {
          discovery.attempts.push({ location, result: `unreadable: ${(error as Error).message}` });
        }
      }
    }
    return discovery;
  }
  if (!client) return discovery;

  const base = client.base;
  const fetched = new Set<string>();
  let fetches = 0;
  let foundVersioned = false;
  const tryCandidate = async (candidate: Candidate): Promise<boolean> => {
    const key = candidate.url.toString();
    if (fetched.has(key) || fetches >= MAX_DISCOVERY_FETCHES) return false;
    fetched.add(key);
    fetches += 1;
    const { status, parsed } = await fetchDocument(client, candidate.url);
    const before = discovery.attempts.length;
    const found = accept(key, await prepare(parsed, key, httpReader(client)), status);
    const attempt = discovery.attempts[before];
    if (attempt) attempt.result = `${attempt.result} (${candidate.why})`;
    return found;
  };
  // Links the API gives first (RFC 8631 Link, links in the root answer), then the API catalog.
  // Every linked description is taken, not only the first: an API with /v1 and /v2 links both.
  let linked = false;
  for (const candidate of [
    ...serviceDescLinks(hints.root, base),
    ...rootBodyLinks(hints.root, base),
  ]) {
    if (await tryCandidate(candidate)) linked = true;
  }
  if (linked) return discovery;
  const catalogUrl = new URL('/.well-known/api-catalog', base.origin);
  fetches += 1;
  const catalog = await client.send('discovery', { url: catalogUrl, scan: false });
  const listed = catalog.status === 200 ? catalogLinks(catalog) : [];
  discovery.attempts.push({
    location: catalogUrl.toString(),
    result:
      catalog.status !== 200
        ? `HTTP ${catalog.status} (RFC 9727 API catalog)`
        : `${listed.length} service description(s) listed (RFC 9727 API catalog)`,
  });
  for (const candidate of listed) {
    if (await tryCandidate(candidate)) linked = true;
  }
  if (linked) return discovery;
  for (const candidate of usualCandidates(base, hints.versionPrefix)) {
    const versioned = VERSIONED_LOCATIONS.some((path) =>
      candidate.url.pathname.endsWith(`/${path}`),
    );
    // Once per-version documents are found, the single-document locations are not needed.
    if (!versioned && foundVersioned) break;
    const found = await tryCandidate(candidate);
    if (found && versioned) foundVersioned = true;
    if (found && !versioned) break;
  }
  if (fetches >= MAX_DISCOVERY_FETCHES) {
    discovery.attempts.push({
      location: '(search)',
      result: `stopped after ${MAX_DISCOVERY_FETCHES} requests; name the document with --openapi`,
    });
  }
  return discovery;
}
