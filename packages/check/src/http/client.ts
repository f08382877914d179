import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { BudgetExhausted, type RequestBudget } from './budget.js';
import type { Credential } from './credentials.js';
import { bodyExcerpt, redactHeaders, type Exchange, type Journal } from './exchange.js';
import { retryAfterSeconds } from './headers.js';
import { describeError, flattenHeaders, parseJson, readBounded } from './response.js';

/** A 429 (or 503 with Retry-After) is waited out if the server asks for at most this long. */
const MAX_RATE_LIMIT_WAIT_S = 10;
const MAX_RATE_LIMIT_RETRIES = 3;

/** Thrown when a request got no HTTP answer: refused connection, reset, TLS failure, timeout. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly exchange: Exchange,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Methods a read-only run may send: none of them can change state on a conforming server. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Thrown before anything is sent when a read-only run is about to send another method. Probes
 * that need one are write probes; this guard makes a slip a loud bug instead of a silent write.
 */
export class UnsafeMethodRefused extends Error {
  constructor(method: string, url: string) {
    super(`refused to send ${method} ${url}: the run is read-only (only GET, HEAD and OPTIONS)`);
    this.name = 'UnsafeMethodRefused';
  }
}

/** Which credential a request carries: A (--auth), B (--auth-b), none, or an explicit header. */
export type As = 'a' | 'b' | 'none' | Credential;

export interface SendOptions {
  method?: string;
  /** A path under the base URL ("/v1/users"), or an absolute URL. */
  path?: string;
  url?: string | URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Default: A when given, else none. */
  as?: As;
  /** Wait out a 429 (or a 503 with Retry-After) and send again (default true); the rate-limit
   *  probe turns it off. */
  retryOn429?: boolean;
  /** Include the answer in the leak scan (default true). */
  scan?: boolean;
  /** Cleanup requests may use the reserve and run past the time budget. */
  purpose?: 'probe' | 'cleanup';
}

/** An HTTP answer, with the exchange it was recorded as. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A response header by (case-insensitive) name. */
  header(name: string): string | undefined;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** The media type without parameters, lower-case ("application/problem+json"). */
  mediaType: string | undefined;
  exchange: Exchange;
}

export interface HttpClientOptions {
  base: URL;
  credentials: { a?: Credential; b?: Credential };
  budget: RequestBudget;
  journal: Journal;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Accept any TLS certificate. */
  insecure?: boolean;
  /** Extra CA certificates (PEM) to trust. */
  ca?: string;
  userAgent: string;
  /** Send only GET, HEAD and OPTIONS; anything else throws UnsafeMethodRefused unsent. */
  readOnly: boolean;
}

/**
 * The only way the run talks to the target: every request is counted and paced by the budget,
 * recorded in the journal with credentials redacted, and bounded by a timeout.
 */
export class HttpClient {
  private readonly dispatcher: Agent;
  private seq = 0;
  private readonly secretHeaders: Set<string>;
  private readonly labels: Record<string, string>;

  constructor(private readonly options: HttpClientOptions) {
    this.dispatcher = new Agent({
      connect: {
        rejectUnauthorized: options.insecure !== true,
        ...(options.ca ? { ca: options.ca } : {}),
      },
      connections: 4,
      keepAliveTimeout: 4_000,
    });
    const { a, b } = options.credentials;
    this.secretHeaders = new Set([a?.header, b?.header].filter((h): h is string => !!h));
    this.labels = {};
    if (a) this.labels[a.value] = 'A';
    if (b) this.labels[b.value] = 'B';
  }

  get base(): URL {
    return this.options.base;
  }

  get budget(): RequestBudget {
    return this.options.budget;
  }

  hasCredential(which: 'a' | 'b'): boolean {
    return this.options.credentials[which] !== undefined;
  }

  credential(which: 'a' | 'b'): Credential | undefined {
    return this.options.credentials[which];
  }

  /** An absolute URL for a path under the base URL (keeping the base's own path prefix). */
  resolve(path: string): URL {
    if (/^https?:\/\//i.test(path)) return new URL(path);
    const prefix = this.options.base.pathname.replace(/\/+$/, '');
    const url = new URL(this.options.base.origin);
    const [pathname, query] = path.split('?', 2) as [string, string | undefined];
    url.pathname = `${prefix}${pathname.startsWith('/') ? '' : '/'}${pathname}`;
    if (query !== undefined) url.search = `?${query}`;
    return url;
  }

  /** Sends one request for `probe` and records it. */
  async send(probe: string, options: SendOptions): Promise<Reply> {
    let attempt = 0;
    for (;;) {
      const reply = await this.sendOnce(probe, options);
      // A 429, or a 503 that says when to come back (load shedding, draining), is the server
      // asking for a pause, not its answer to the question the probe asked.
      const retryAfter = retryAfterSeconds(reply.header('retry-after'));
      const overloaded = reply.status === 503 && retryAfter !== undefined;
      if ((reply.status !== 429 && !overloaded) || options.retryOn429 === false) return reply;
      const waitS = retryAfter ?? 1;
      attempt += 1;
      if (
        attempt > MAX_RATE_LIMIT_RETRIES ||
        waitS > MAX_RATE_LIMIT_WAIT_S ||
        waitS * 1000 >= this.options.budget.timeLeftMs
      ) {
        return reply;
      }
      // Another probe (or someone else) spent the budget: wait as asked, so this probe judges the
      // behaviour it is about rather than the rate limit.
      await sleep(Math.max(waitS, 0.2) * 1000);
    }
  }

  private credentialFor(as: As | undefined): Credential | undefined {
    if (as === undefined) return this.options.credentials.a;
    if (as === 'none') return undefined;
    if (as === 'a') return this.options.credentials.a;
    if (as === 'b') return this.options.credentials.b;
    return as;
  }

  private async sendOnce(probe: string, options: SendOptions): Promise<Reply> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = options.url ? new URL(options.url) : this.resolve(options.path ?? '/');
    if (this.options.readOnly && !SAFE_METHODS.has(method)) {
      throw new UnsafeMethodRefused(method, url.toString());
    }
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5',
      ...Object.fromEntries(
        Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
      ),
    };
    const credential = this.credentialFor(options.as);
    if (credential) headers[credential.header] = credential.value;

    await this.options.budget.acquire(options.purpose ?? 'probe');
    const timeoutMs = Math.max(
      1,
      options.purpose === 'cleanup'
        ? this.options.timeoutMs
        : Math.min(this.options.timeoutMs, this.options.budget.timeLeftMs),
    );
    const exchange: Exchange = {
      seq: ++this.seq,
      probe,
      request: {
        method,
        url: url.toString(),
        headers: redactHeaders(headers, this.secretHeaders, this.labels),
        ...bodyExcerpt(options.body),
      },
      startedAt: new Date().toISOString(),
      durationMs: 0,
      scan: options.scan !== false,
    };
    const started = performance.now();
    try {
      const response = await request(url, {
        method,
        headers,
        body: options.body,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const read = await readBounded(response.body);
      const responseHeaders = flattenHeaders(response.headers);
      exchange.response = {
        status: response.statusCode,
        headers: responseHeaders,
        body: read.text,
        bodyBytes: read.bytes,
        truncated: read.truncated,
      };
      exchange.durationMs = Math.round(performance.now() - started);
      this.options.journal.add(exchange);
      const mediaType = responseHeaders['content-type']?.split(';')[0]?.trim().toLowerCase();
      return {
        status: response.statusCode,
        headers: responseHeaders,
        header: (name) => responseHeaders[name.toLowerCase()],
        text: read.text,
        json: parseJson(read.text, mediaType),
        mediaType,
        exchange,
      };
    } catch (error) {
      exchange.durationMs = Math.round(performance.now() - started);
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      exchange.error = timedOut ? `no answer within ${timeoutMs} ms` : describeError(error);
      this.options.journal.add(exchange);
      if (timedOut && this.options.budget.timeLeftMs <= 0) throw new BudgetExhausted('time');
      throw new TransportError(`${method} ${url.toString()}: ${exchange.error}`, exchange);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The client as one probe sees it: every request is recorded under the probe's id. */
export interface ProbeHttp {
  send(options: SendOptions): Promise<Reply>;
  resolve(path: string): URL;
  readonly base: URL;
  hasCredential(which: 'a' | 'b'): boolean;
  /** The credential itself (to build a same-form invalid one). */
  credential(which: 'a' | 'b'): Credential | undefined;
  /** Requests the probe may still send. */
  readonly remaining: number;
  /** Milliseconds left in the time budget. */
  readonly budgetTimeLeftMs: number;
}

/** Binds the client to one probe id. */
export function forProbe(client: HttpClient, probe: string): ProbeHttp {
  return {
    send: (options) => client.send(probe, options),
    resolve: (path) => client.resolve(path),
    base: client.base,
    hasCredential: (which) => client.hasCredential(which),
    credential: (which) => client.credential(which),
    get remaining() {
      return client.budget.remaining;
    },
    get budgetTimeLeftMs() {
      return client.budget.timeLeftMs;
    },
  };
}
