import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { mintKey, type KeyMode } from '../../platform/auth/api-keys.js';
import type { KeyVerifier } from '../../platform/auth/key-verifier.js';
import type { Principal } from '../../platform/auth/principal.js';
import { SCOPES } from '../../platform/auth/scopes.js';
import { insertAccount } from '../../platform/auth/tenants.js';
import { ApiError, notFound, validationFailed } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import { findKeyPage, insertKey, revokeKey } from './repository.js';
import type { ApiKeyView, CreateApiKeyInput } from './schemas.js';
import { apiKeyView } from './views.js';

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
      return { ...apiKeyView(row), secret: key.secret };
    },

    async list(
      accountId: string,
      query: { afterId?: string; limit: number },
    ): Promise<Page<ApiKeyView>> {
      return mapPage(await findKeyPage(db, accountId, query), apiKeyView);
    },

    async revoke(accountId: string, id: string): Promise<ApiKeyView> {
      const row = await revokeKey(db, accountId, id, new Date().toISOString());
      if (!row) throw notFound('API key', id);
      await keys.invalidate(row.lookup);
      return apiKeyView(row);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;

export interface CreatedTenant {
  accountId: string;
  keyId: string;
  /** The API key in clear: returned once, stored only as a hash. */
  secret: string;
}

/** Creates an account and its first API key (all scopes) in one transaction. */
export async function createTenant(
  db: Kysely<Database>,
  input: { name: string; mode: KeyMode; keyName?: string },
): Promise<CreatedTenant> {
  const accountId = newId('acct');
  const keyId = newId('key');
  const key = mintKey(input.mode);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await insertAccount(trx, { id: accountId, name: input.name, created_at: now });
    await insertKey(trx, {
      id: keyId,
      account_id: accountId,
      lookup: key.lookup,
      secret_hash: key.secretHash,
      mode: key.mode,
      name: input.keyName ?? 'default',
      scopes: SCOPES.join(' '),
      created_at: now,
    });
  });
  return { accountId, keyId, secret: key.secret };
}
