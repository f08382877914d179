/**
 * The permission set. Every authenticated route declares exactly one of these in its route config
 * (`config: { scope }`); API keys and JWTs carry a subset.
 */
export const SCOPES = [
  'users:read',
  'users:write',
  'orders:read',
  'orders:write',
  'payments:read',
  'payments:write',
  'api_keys:manage',
  'webhooks:read',
  'webhooks:write',
] as const;

export type Scope = (typeof SCOPES)[number];

/**
 * The scopes the published documents of v1 and v2 enumerate in API-key responses. Scopes added
 * since (the webhooks ones) can be granted, but v1/v2 responses do not list them: a client
 * generated from those documents must never meet an enum value it was not told about.
 */
export const PUBLISHED_SCOPES = SCOPES.slice(0, 7) as readonly Scope[];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Parses an OAuth-style space-separated scope string (or array), keeping only known scopes. */
export function parseScopes(value: unknown): Scope[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
  return [
    ...new Set(items.filter((item): item is string => typeof item === 'string' && isScope(item))),
  ] as Scope[];
}
