import { sql, type Kysely } from 'kysely';

/** API keys carry scopes (space-separated, OAuth style). Existing keys keep full access. */
export function apiKeyScopes() {
  const all =
    'users:read users:write orders:read orders:write payments:read payments:write api_keys:manage';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('api_keys')
        .addColumn('scopes', 'text', (c) => c.notNull().defaultTo(sql.lit(all)))
        .execute();
    },
  };
}
