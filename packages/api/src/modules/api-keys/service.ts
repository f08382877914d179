import type { Kysely } from 'kysely';
import { toIso } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { mintKey } from '../../platform/auth/api-keys.js';
import {
  findKeyPage,
  insertKey,
  revokeKey,
  type ApiKeyRow,
} from '../../platform/auth/key-store.js';
import type { KeyVerifier } from '../../platform/auth/key-verifier.js';
import type { Principal } from '../../platform/auth/principal.js';
import { parseScopes, PUBLISHED_SCOPES } from '../../platform/auth/scopes.js';
import { ApiError, notFound, validationFailed } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { pageFrom, type Page } from '../../platform/pagination/page.js';
import type { ApiKeyView, CreateApiKeyInput } from './schemas.js';

const isoOrNull = (value: Date | string | null) => (value === null ? null : toIso(value));

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    mode: row.mode,
    scopes: parseScopes(row.scopes).filter((scope) => PUBLISHED_SCOPES.includes(scope)),
    prefix: `sk_${row.mode}_${row.lookup}`,
    created_at: toIso(row.created_at),
    expires_at: isoOrNull(row.expires_at),
    revoked_at: isoOrNull(row.revoked_at),
    last_used_at: isoOrNull(row.last_used_at),
  };
}

/** API key lifecycle: mint (secret shown once), list (never the secret), revoke (effective at once). */
export function createApiKeysService(deps: { db: Kysely<Database>; keys: KeyVerifier }) {
  const { db, keys } = deps;
  return {
    async create(
      caller: Principal,
      input: CreateApiKeyInput,
    ): Promise<ApiKeyView & { secret: string }> {
      const scopes = input.scopes ?? caller.scopes;
      const beyond = scopes.filter((scope) => !caller.scopes.includes(scope));
      if (beyond.length > 0) {
        // No privilege escalation: a key can only hand out what it holds.
        throw new ApiError(
          'insufficient_scope',
          `The calling credential does not hold: ${beyond.join(', ')}.`,
        );
      }
      if (input.expires_at !== undefined && new Date(input.expires_at) <= new Date()) {
        throw validationFailed({
          in: 'body',
          pointer: '/expires_at',
          detail: 'must be in the future',
        });
      }
      const key = mintKey(caller.mode);
      const row = await insertKey(db, {
        id: newId('key'),
        account_id: caller.accountId,
        lookup: key.lookup,
        secret_hash: key.secretHash,
        mode: key.mode,
        name: input.name,
        scopes: scopes.join(' '),
        created_at: new Date().toISOString(),
        expires_at:
          input.expires_at === undefined ? null : new Date(input.expires_at).toISOString(),
      });
      // A prefix probed before it existed may be remembered as unknown; forget that everywhere.
      await keys.invalidate(row.lookup);
      return { ...toView(row), secret: key.secret };
    },

    async list(
      accountId: string,
      query: { afterId?: string; limit: number },
    ): Promise<Page<ApiKeyView>> {
      return pageFrom((await findKeyPage(db, accountId, query)).map(toView), query.limit);
    },

    async revoke(accountId: string, id: string): Promise<ApiKeyView> {
      const row = await revokeKey(db, accountId, id, new Date().toISOString());
      if (!row) throw notFound('API key', id);
      await keys.invalidate(row.lookup);
      return toView(row);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
