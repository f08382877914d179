import type { Dispatcher } from 'undici';

/** Responses are read up to this many bytes: enough to judge, bounded against huge answers. */
const RESPONSE_READ_LIMIT = 1024 * 1024;

/** Header map with lower-case names; repeated fields joined with ", ". */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>) {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The body as text, read up to RESPONSE_READ_LIMIT bytes (the rest is discarded). */
export async function readBounded(body: Dispatcher.ResponseData['body']) {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.byteLength;
    if (size > RESPONSE_READ_LIMIT) {
      chunks.push(buffer.subarray(0, buffer.byteLength - (size - RESPONSE_READ_LIMIT)));
      truncated = true;
      body.destroy();
      break;
    }
    chunks.push(buffer);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes: size, truncated };
}

/** The body parsed as JSON, or undefined when it is not JSON. */
export function parseJson(text: string, mediaType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  if (mediaType && !/json/.test(mediaType) && !/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A transport error as one line: code, message and cause. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  const causeText = cause instanceof Error ? `: ${cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${error.message}${causeText}`;
}
