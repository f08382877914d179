/** A JSON object as parsed from an OpenAPI document. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows an RFC 6901 pointer ("#/components/schemas/User") inside `root`. */
export function followPointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const tokens = ref
    .slice(1)
    .split('/')
    .slice(1)
    .map((token) => decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const token of tokens) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node)) node = node[token];
    else return undefined;
  }
  return node;
}

/**
 * Resolves `node` while it is a local `$ref`, up to a depth that stops reference cycles.
 * Undefined for an unresolvable (e.g. external) reference.
 */
export function deref(root: unknown, node: unknown): unknown {
  let current = node;
  for (let depth = 0; depth < 32; depth += 1) {
    if (!isObject(current) || typeof current.$ref !== 'string') return current;
    current = followPointer(root, current.$ref);
  }
  return undefined;
}

/** `value` as an object after resolving references, or undefined. */
export function derefObject(root: unknown, node: unknown): JsonObject | undefined {
  const value = deref(root, node);
  return isObject(value) ? value : undefined;
}
