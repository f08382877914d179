import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';

/**
 * A fresh PostgreSQL database (`<suite>_<DATABASE_URL's database>`) beside DATABASE_URL's, for suites whose background workers act
 * across tenants (webhook delivery) and so must not share rows with suites running beside them.
 */
export async function ownPostgresDatabase(suite: string): Promise<string> {
  const base = process.env.DATABASE_URL!;
  // Named after the base database too: two checkouts testing on one server never share one.
  const name = `${suite}_${new URL(base).pathname.slice(1)}`.slice(0, 63);
  const admin = openDatabase({ url: base, poolMax: 1, statementTimeoutMs: 30_000 });
  try {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.kysely);
    await sql`create database ${sql.id(name)}`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
