import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl, openDatabase, type Db } from '../../src/db/database.js';

const url = process.env.DATABASE_URL ?? '';

describe.skipIf(!isPostgresUrl(url))('a PostgreSQL connection terminated under a client', () => {
  let db: Db;
  let admin: Db;
  const lost: Error[] = [];

  beforeAll(() => {
    db = openDatabase({
      url,
      poolMax: 2,
      statementTimeoutMs: 5_000,
      onConnectionLost: (error) => lost.push(error),
    });
    admin = openDatabase({ url, poolMax: 1, statementTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    await db.close();
    await admin.close();
  });

  const terminate = (pid: number) =>
    sql`select pg_terminate_backend(${pid})`.execute(admin.kysely).then(() => undefined);

  it('inside a transaction, between statements: the transaction fails, the process lives on', async () => {
    // pg-pool listens for a client's 'error' only while it is idle; without a listener of our
    // own, this 'error' was thrown and ended the process (vitest reports it as an uncaught error).
    const transaction = db.kysely.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await terminate(rows[0]!.pid);
      // Long enough for the server's FATAL message to reach the client while it runs no statement.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await sql`select 1`.execute(trx);
    });
    await expect(transaction).rejects.toThrow();
    expect(lost.map((error) => (error as Error & { code?: string }).code)).toContain('57P01');
    // The pool replaces the dead connection.
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db.kysely);
    expect(rows[0]!.one).toBe(1);
  });

  it('while idle in the pool: reported once, and the next query gets a new connection', async () => {
    lost.length = 0;
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
    await terminate(rows[0]!.pid);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lost).toHaveLength(1);
    const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
    expect(again.rows[0]!.pid).not.toBe(rows[0]!.pid);
  });
});
