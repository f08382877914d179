/** What a run needs to know; the CLI builds it from arguments and the environment. */
export interface CheckOptions {
  /** The API's base URL; paths of the document are resolved under it. */
  baseUrl: string;
  /** OpenAPI documents (URLs or files); empty: discover. */
  openapi: string[];
  /** Credential A: an Authorization value ("Bearer …") or "Header-Name: value". */
  auth?: string;
  /** Credential B, of another tenant, for the tenant-isolation probe. */
  authB?: string;
  /** Collection paths to probe ("/v1/users"): narrows the choice, or names them without a document. */
  resources: string[];
  /** The page-size query parameter, when no document names it and discovery cannot find it. */
  pageParam?: string;
  /** Run write probes (requires the host to be named in allowWritesOn). */
  allowWrites: boolean;
  /** Hosts (host or host:port) write probes may run against. */
  allowWritesOn: string[];
  /** Hard cap on requests in the run. */
  maxRequests: number;
  /** Hard cap on requests per second. */
  rps: number;
  /** Seconds after which no probe sends anything more. */
  timeBudgetS: number;
  /** Seconds one request may take. */
  timeoutS: number;
  /** Most requests of the rate-limit burst. */
  burst: number;
  /** Largest body the API should accept, in bytes. */
  maxBodyBytes: number;
  /** Most pages the pagination walk follows. */
  maxPages: number;
  /** Accept any TLS certificate. */
  insecure: boolean;
  /** PEM file of extra CAs to trust. */
  ca?: string;
  /** Only these probes (ids, sections, `prefix.`). */
  only: string[];
  /** Not these probes. */
  skip: string[];
}

/** The defaults the CLI documents. */
export const DEFAULTS = {
  maxRequests: 500,
  rps: 20,
  timeBudgetS: 120,
  timeoutS: 10,
  burst: 150,
  maxBodyBytes: 1024 * 1024,
  maxPages: 25,
} as const;

/** The run refuses to start: write probes asked for against a host not named for them. */
export class WriteRefusal extends Error {
  constructor(host: string) {
    super(
      `refusing to run write probes against ${host}: it is not named in --allow-writes-on. ` +
        `Write probes create (and then delete) records; name the host to allow them, e.g. --allow-writes-on ${host}`,
    );
    this.name = 'WriteRefusal';
  }
}

/**
 * Whether write probes run: asked for (--allow-writes, or implied by --allow-writes-on) and the
 * target's host (or host:port) named in --allow-writes-on. Asked for but not named: refusal.
 */
export function writesAllowed(options: CheckOptions): boolean {
  const asked = options.allowWrites || options.allowWritesOn.length > 0;
  if (!asked) return false;
  const url = new URL(options.baseUrl);
  const named = options.allowWritesOn.map((entry) => entry.trim().toLowerCase());
  if (named.includes(url.host.toLowerCase()) || named.includes(url.hostname.toLowerCase())) {
    return true;
  }
  throw new WriteRefusal(url.host);
}
