import { toIso } from '../../db/timestamps.js';
import type { UserRow } from './repository.js';
import type { UserView } from './schemas.js';

/** A user as the API shows it, plus its version (the ETag; not a field of the body). */
export interface User extends UserView {
  version: number;
}

/** The public shape of a users row. */
export function toUser(row: UserRow): User {
  return {
    id: row.id,
    object: 'user',
    email: row.email,
    name: row.name,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    version: row.version,
  };
}
