import type { RecordedResponse } from '../../http/exchange.js';
import { isObject } from '../../openapi/json.js';

export const PROBLEM_JSON = 'application/problem+json';

/** The media type of a recorded response, without parameters. */
export function mediaTypeOf(response: RecordedResponse): string | undefined {
  return response.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

function parsed(response: RecordedResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * What keeps a response from being an RFC 9457 problem: wrong media type, a body that is not a
 * JSON object, or members of the wrong type (`status` must equal the HTTP status). Empty when it
 * is one.
 */
export function problemIssues(response: RecordedResponse): string[] {
  const issues: string[] = [];
  const mediaType = mediaTypeOf(response);
  if (mediaType !== PROBLEM_JSON) {
    issues.push(`Content-Type is ${mediaType ?? 'missing'}, not ${PROBLEM_JSON}`);
  }
  const body = parsed(response);
  if (!isObject(body)) {
    issues.push(response.body.length === 0 ? 'the body is empty' : 'the body is not a JSON object');
    return issues;
  }
  if (body.status !== undefined && body.status !== response.status) {
    issues.push(
      `"status" is ${JSON.stringify(body.status)} but the HTTP status is ${response.status}`,
    );
  }
  for (const member of ['type', 'title', 'detail', 'instance'] as const) {
    if (body[member] !== undefined && typeof body[member] !== 'string') {
      issues.push(`"${member}" is not a string`);
    }
  }
  if (body.title === undefined && body.type === undefined) {
    issues.push('neither "type" nor "title" is present');
  }
  return issues;
}

/**
 * A short signature of an error body's shape: `problem` for a valid problem document, else the
 * media type and the sorted top-level keys (`application/json {error,message}`), `text/html`, …
 */
export function errorShape(response: RecordedResponse): string {
  if (problemIssues(response).length === 0) return 'problem';
  const mediaType = mediaTypeOf(response) ?? 'no content type';
  const body = parsed(response);
  if (isObject(body)) return `${mediaType} {${Object.keys(body).sort().join(',')}}`;
  if (response.body.length === 0) return `${mediaType} (empty body)`;
  return mediaType;
}
