import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import { problem } from './problem.js';

/** What a verified key grants: its tenant and scopes. */
export interface KeyGrant {
  accountId: string;
  scopes: string[];
}

interface KeyRow {
  account_id: string;
  secret_hash: string;
  mode: string;
  scopes: string;
  expires_at: string | null;
  revoked_at: string | null;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the API-key check. */
    auth?: KeyGrant;
  }
}

/** The API's key format: `sk_<mode>_` + 12 hex lookup characters + 48 hex secret characters. */
const KEY_FORMAT = /^sk_(live|test)_([0-9a-f]{12})[0-9a-f]{48}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The API-key check a careful Express app would write, against the same api_keys table: a
 * Bearer key parsed, its row found by lookup prefix (cached in an LRU for 30 s, the API's
 * API_KEY_CACHE_TTL_MS), its SHA-256 compared in constant time, mode, revocation, expiry and
 * the route's scope checked on every request, and the tenant's status (cached the same way).
 */
export function apiKeyCheck(db: Database, scope: string) {
  const byLookup = db.prepare<[string], KeyRow>(
    'select account_id, secret_hash, mode, scopes, expires_at, revoked_at from api_keys where lookup = ?',
  );
  const statusOf = db.prepare<[string], { status: string }>(
    'select status from accounts where id = ?',
  );
  const cache = new LRUCache<string, KeyRow | false>({ max: 10_000, ttl: 30_000 });
  // The tenant's status (active, suspended, deleted), read on every request through its own cache.
  const statuses = new LRUCache<string, string>({ max: 10_000, ttl: 30_000 });
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.headers.authorization;
    const presented = header?.startsWith('Bearer ') ? header.slice(7) : '';
    const parsed = KEY_FORMAT.exec(presented);
    if (!parsed) return problem(response, 401, 'unauthenticated', 'A valid API key is required.');
    const lookup = parsed[2]!;
    let row = cache.get(lookup);
    if (row === undefined) {
      row = byLookup.get(lookup) ?? false;
      cache.set(lookup, row);
    }
    const now = Date.now();
    const valid =
      row !== false &&
      timingSafeEqual(sha256(presented), Buffer.from(row.secret_hash, 'hex')) &&
      row.mode === parsed[1] &&
      (row.revoked_at === null || Date.parse(row.revoked_at) > now) &&
      (row.expires_at === null || Date.parse(row.expires_at) > now);
    if (!valid || row === false)
      return problem(response, 401, 'unauthenticated', 'A valid API key is required.');
    let status = statuses.get(row.account_id);
    if (status === undefined) {
      status = statusOf.get(row.account_id)?.status ?? 'deleted';
      statuses.set(row.account_id, status);
    }
    if (status !== 'active')
      return problem(response, 403, 'account_suspended', 'This account is not active.');
    const scopes = row.scopes.split(' ');
    if (!scopes.includes(scope))
      return problem(response, 403, 'insufficient_scope', `This key lacks ${scope}.`);
    request.auth = { accountId: row.account_id, scopes };
    next();
  };
}
