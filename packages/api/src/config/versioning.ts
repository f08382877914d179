/** The API version lifecycle: when v1 was deprecated and when it sunsets (docs/versioning.md). */
import { ConfigError, text, type Env } from './entry.js';

/** An RFC 3339 instant; a date without a zone would mean different instants on different servers. */
function instant(name: string) {
  return (raw: string): Date => {
    const date = new Date(raw);
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ||
      isNaN(date.getTime())
    )
      throw new ConfigError(name, `must be an RFC 3339 date-time with a zone, got "${raw}"`);
    return date;
  };
}

export const V1_DEPRECATED_AT = text('V1_DEPRECATED_AT', {
  type: 'RFC 3339 date-time with a zone',
  // v2's release; v1 is deprecated from then on.
  default: () => new Date('2026-11-25T00:00:00Z'),
  defaultText: '`2026-11-25T00:00:00Z`',
  parse: instant('V1_DEPRECATED_AT'),
  doc: "When v1 was deprecated (v2's release); sent in every v1 response as `Deprecation` (RFC 9745). See [docs/versioning.md](docs/versioning.md).",
});

export const V1_SUNSET_AT = text('V1_SUNSET_AT', {
  type: 'RFC 3339 date-time with a zone',
  // The deprecation policy (docs/versioning.md) promises at least 12 months before a sunset.
  default: () => new Date('2027-11-30T00:00:00Z'),
  defaultText: '`2027-11-30T00:00:00Z`',
  parse: instant('V1_SUNSET_AT'),
  doc: 'When v1 stops answering, after `V1_DEPRECATED_AT`; sent in every v1 response as `Sunset` (RFC 8594).',
});

export const versioningEntries = [V1_DEPRECATED_AT, V1_SUNSET_AT];

export interface VersioningConfig {
  v1DeprecatedAt: Date;
  v1SunsetAt: Date;
}

export function loadVersioning(env: Env): VersioningConfig {
  const v1DeprecatedAt = V1_DEPRECATED_AT.read(env);
  const v1SunsetAt = V1_SUNSET_AT.read(env);
  if (v1SunsetAt <= v1DeprecatedAt)
    throw new ConfigError('V1_SUNSET_AT', 'must be after V1_DEPRECATED_AT');
  return { v1DeprecatedAt, v1SunsetAt };
}
