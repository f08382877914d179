/**
 * The API versions served side by side, oldest first. A version is a path prefix (`/v2/…`); every
 * version is served by the same routes and domain core, through the version changes that lead up
 * to it (see representation.ts). Adding v3 means adding 'v3' here and one change per affected shape.
 */
export const API_VERSIONS = ['v1', 'v2'] as const;

export type ApiVersion = (typeof API_VERSIONS)[number];

/** The version new integrations should use; the reference page opens on it. */
export const LATEST_VERSION: ApiVersion = 'v2';

/** Versions that still answer but are being retired (Deprecation/Sunset headers, `deprecated: true`). */
export const DEPRECATED_VERSIONS: readonly ApiVersion[] = ['v1'];

/** `info.version` of each published OpenAPI document (semver of the contract, not of the code). */
export const DOCUMENT_VERSIONS: Record<ApiVersion, string> = { v1: '1.1.0', v2: '2.0.0' };

const order = (version: ApiVersion) => API_VERSIONS.indexOf(version);

/** True when `version` includes a change introduced in `since` (versions only ever accumulate). */
export function includesChange(version: ApiVersion, since: ApiVersion): boolean {
  return order(version) >= order(since);
}

/** The version after `version`, or undefined for the latest. */
export function successorOf(version: ApiVersion): ApiVersion | undefined {
  return API_VERSIONS[order(version) + 1];
}

/** `/v2` + path: every versioned route is written once, without its prefix. */
export function versionedPath(version: ApiVersion, path: string): string {
  return `/${version}${path}`;
}

/** The version a request path belongs to, if any (`/v1/users` → `v1`). */
export function versionOfPath(path: string): ApiVersion | undefined {
  const prefix = /^\/(v\d+)(?:\/|$)/.exec(path)?.[1];
  return API_VERSIONS.find((version) => version === prefix);
}
