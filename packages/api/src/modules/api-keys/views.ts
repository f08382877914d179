import { toIso, toIsoOrNull } from '../../db/timestamps.js';
import { parseScopes, PUBLISHED_SCOPES } from '../../platform/auth/scopes.js';
import type { ApiKeyRow } from './repository.js';
import type { ApiKeyView } from './schemas.js';

/** The public shape of an api_keys row: its prefix, never its secret or hash. */
export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    mode: row.mode,
    // v1/v2 list only the scopes their documents enumerate (PUBLISHED_SCOPES says why).
    scopes: parseScopes(row.scopes).filter((scope) => PUBLISHED_SCOPES.includes(scope)),
    prefix: `sk_${row.mode}_${row.lookup}`,
    created_at: toIso(row.created_at),
    expires_at: toIsoOrNull(row.expires_at),
    revoked_at: toIsoOrNull(row.revoked_at),
    last_used_at: toIsoOrNull(row.last_used_at),
  };
}
