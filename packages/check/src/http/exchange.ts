import { SECRET_HEADERS } from './credentials.js';

/** A request as recorded: credentials redacted, body cut to an excerpt. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The start of the body (text), when there was one. */
  body?: string;
  bodyBytes: number;
}

/** A response as recorded; `body` is the text read (up to the read limit). */
export interface RecordedResponse {
  status: number;
  /** Lower-case names; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  /** The body was longer than the read limit and was cut. */
  truncated: boolean;
}

/** One request of the run and what came back (or the transport error). */
export interface Exchange {
  seq: number;
  /** Id of the probe that sent it (`discovery` and `cleanup` for the run's own requests). */
  probe: string;
  request: RecordedRequest;
  response?: RecordedResponse;
  error?: string;
  startedAt: string;
  durationMs: number;
  /** False for requests whose answers are not the API's (e.g. fetching the OpenAPI document). */
  scan: boolean;
}

const REQUEST_EXCERPT = 2048;

/** Header map with secrets replaced, for the journal and the reports. */
export function redactHeaders(
  headers: Record<string, string>,
  extraSecret: ReadonlySet<string>,
  labels: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (SECRET_HEADERS.has(lower) || extraSecret.has(lower)) {
      const scheme = /^(\S+)\s+\S/.exec(value)?.[1];
      const label = labels[value] ? ` ${labels[value]}` : '';
      out[lower] = `${scheme ? `${scheme} ` : ''}<redacted${label}>`;
    } else {
      out[lower] = value;
    }
  }
  return out;
}

/** The first bytes of a request body, as text, for the record. */
export function bodyExcerpt(body: string | Uint8Array | undefined): {
  body?: string;
  bodyBytes: number;
} {
  if (body === undefined) return { bodyBytes: 0 };
  const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  const text =
    typeof body === 'string'
      ? body.slice(0, REQUEST_EXCERPT)
      : Buffer.from(body.subarray(0, REQUEST_EXCERPT)).toString('utf8');
  return { body: bytes > REQUEST_EXCERPT ? `${text}… (${bytes} bytes)` : text, bodyBytes: bytes };
}

/** All exchanges of the run, in order. */
export class Journal {
  readonly exchanges: Exchange[] = [];

  add(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }

  /** Exchanges with a response, optionally only those of one probe. */
  answered(probe?: string): (Exchange & { response: RecordedResponse })[] {
    return this.exchanges.filter(
      (e): e is Exchange & { response: RecordedResponse } =>
        e.response !== undefined && (probe === undefined || e.probe === probe),
    );
  }

  byProbe(probe: string): Exchange[] {
    return this.exchanges.filter((e) => e.probe === probe);
  }
}
