/**
 * The API version lifecycle part of the configuration (README "Configuration", docs/versioning.md);
 * loadConfig() puts it under `config.versioning`.
 */
import { ConfigError, read } from './config.js';

type Env = Record<string, string | undefined>;

export interface VersioningConfig {
  /** V1_DEPRECATED_AT: when v1 was deprecated (v2's release); sent in v1's `Deprecation` header (RFC 9745). */
  v1DeprecatedAt: Date;
  /** V1_SUNSET_AT: when v1 stops answering; sent in v1's `Sunset` header (RFC 8594); after V1_DEPRECATED_AT. */
  v1SunsetAt: Date;
}

/** v2's release; v1 is deprecated from then on. */
const V2_RELEASED_AT = '2026-11-25T00:00:00Z';
/** The deprecation policy (docs/versioning.md) promises at least 12 months before a sunset. */
const DEFAULT_V1_SUNSET_AT = '2027-11-30T00:00:00Z';

function instant(env: Env, name: string, fallback: string): Date {
  const raw = read(env, name) ?? fallback;
  // RFC 3339 with an explicit offset: a date without a zone would mean different instants on
  // different servers.
  const date = new Date(raw);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ||
    isNaN(date.getTime())
  )
    throw new ConfigError(name, `must be an RFC 3339 date-time with a zone, got "${raw}"`);
  return date;
}

export function loadVersioningConfig(env: Env): VersioningConfig {
  const v1DeprecatedAt = instant(env, 'V1_DEPRECATED_AT', V2_RELEASED_AT);
  const v1SunsetAt = instant(env, 'V1_SUNSET_AT', DEFAULT_V1_SUNSET_AT);
  if (v1SunsetAt <= v1DeprecatedAt)
    throw new ConfigError('V1_SUNSET_AT', 'must be after V1_DEPRECATED_AT');
  return { v1DeprecatedAt, v1SunsetAt };
}
