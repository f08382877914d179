/**
 * Retry-After (RFC 9110 §10.2.3) in seconds: delay-seconds or an HTTP-date. Undefined when absent
 * or malformed.
 */
export function retryAfterSeconds(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = parseHttpDate(trimmed);
  return date === undefined ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** An IMF-fixdate (the HTTP-date form senders must use, RFC 9110 §5.6.7) as epoch ms. */
export function parseHttpDate(value: string): number | undefined {
  if (!IMF_FIXDATE.test(value.trim())) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** One link of an RFC 8288 Link header. */
export interface Link {
  href: string;
  rel: string[];
  params: Record<string, string>;
}

/** Parses a Link header: `<https://…>; rel="next", <…>; rel="prev"`. */
export function parseLinks(value: string | undefined): Link[] {
  if (!value) return [];
  const links: Link[] = [];
  const pattern = /<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"[^"]*"|[^;,\s]*))?)*)/g;
  for (const match of value.matchAll(pattern)) {
    const params: Record<string, string> = {};
    for (const param of (match[2] ?? '').matchAll(
      /;\s*([^;,=\s]+)(?:\s*=\s*(?:"([^"]*)"|([^;,\s]*)))?/g,
    )) {
      params[param[1]!.toLowerCase()] = param[2] ?? param[3] ?? '';
    }
    links.push({
      href: match[1]!,
      rel: (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean),
      params,
    });
  }
  return links;
}

/** The href of the first link with this relation, resolved against `base`. */
export function linkWithRel(value: string | undefined, rel: string, base: URL): URL | undefined {
  const link = parseLinks(value).find((candidate) => candidate.rel.includes(rel));
  if (!link) return undefined;
  try {
    return new URL(link.href, base);
  } catch {
    return undefined;
  }
}

/**
 * Names of the rate-limit fields present: the IETF draft's `RateLimit`/`RateLimit-Policy`, the
 * older `RateLimit-Limit/-Remaining/-Reset`, or the common `X-RateLimit-*`.
 */
export function rateLimitFields(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) =>
    /^(x-)?ratelimit(-(limit|remaining|reset|policy))?$/.test(name),
  );
}

/** Requests left per policy, as advertised by the rate-limit fields (name '' when unnamed). */
export function advertisedPolicies(headers: Record<string, string>): Map<string, number> {
  const policies = new Map<string, number>();
  // Draft structured field: `"api_key";r=12;t=3, "api_key_writes";r=300;t=60`.
  const structured = headers['ratelimit'];
  if (structured) {
    for (const item of structured.split(',')) {
      const r = /;\s*r=(\d+)/.exec(item);
      if (!r) continue;
      const name = /^\s*"?([^";]*)"?/.exec(item)?.[1]?.trim() ?? '';
      policies.set(name, Number(r[1]));
    }
    if (policies.size > 0) return policies;
    const legacy = /remaining=(\d+)/.exec(structured);
    if (legacy) return new Map([['', Number(legacy[1])]]);
  }
  for (const name of ['ratelimit-remaining', 'x-ratelimit-remaining']) {
    const value = headers[name];
    if (value && /^\d+/.test(value.trim())) return new Map([['', Number.parseInt(value, 10)]]);
  }
  return policies;
}

/**
 * Requests left in the policies a request spends, judged from two consecutive answers: the
 * policies whose count went down between `before` and `after` (a writes-only policy does not move
 * on a GET). Undefined when no count went down (nothing shows this request is counted).
 */
export function spentRemaining(
  before: Record<string, string>,
  after: Record<string, string>,
): { remaining: number; policies: string[] } | undefined {
  const was = advertisedPolicies(before);
  const now = advertisedPolicies(after);
  const spent = [...now].filter(([name, r]) => was.has(name) && r < was.get(name)!);
  if (spent.length === 0) return undefined;
  return {
    remaining: Math.min(...spent.map(([, r]) => r)),
    policies: spent.map(([name]) => name || 'the limit'),
  };
}

/** Requests left as advertised by the rate-limit fields (the smallest over all policies). */
export function advertisedRemaining(headers: Record<string, string>): number | undefined {
  const policies = advertisedPolicies(headers);
  return policies.size > 0 ? Math.min(...policies.values()) : undefined;
}

/** The W3C trace-context `traceparent` form (version 00). */
export const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
