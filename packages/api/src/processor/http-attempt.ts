/**
 * One HTTP attempt against the processor, and what its failure means: whether it is worth
 * retrying, and whether the request may have reached the processor (so money may have moved).
 */

export type AttemptFailureReason =
  'timeout' | 'server_error' | 'connection_refused' | 'connection_error';

/** A failure the policies retry and count towards the breaker: timeouts, 5xx, connection errors. */
export class TransientAttemptError extends Error {
  constructor(
    readonly reason: AttemptFailureReason,
    /** False only when the connection was never made: the processor cannot have acted. */
    readonly mayHaveReachedProcessor: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'TransientAttemptError';
  }
}

export interface AttemptResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
}

/** Connection errors raised before any byte was sent: nothing reached the processor. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCodes(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  return [
    ...(typeof code === 'string' ? [code] : []),
    ...errorCodes(cause),
    // Happy eyeballs tries each address and reports an AggregateError of them all.
    ...(Array.isArray(errors) ? errors.flatMap(errorCodes) : []),
  ];
}

function classify(error: unknown, signal: AbortSignal): TransientAttemptError {
  if (signal.aborted) {
    return new TransientAttemptError('timeout', true, 'no answer within the attempt timeout');
  }
  const codes = errorCodes(error);
  if (codes.length > 0 && codes.every((code) => NOT_CONNECTED.has(code))) {
    return new TransientAttemptError(
      'connection_refused',
      false,
      `connection failed (${codes[0]})`,
    );
  }
  return new TransientAttemptError(
    'connection_error',
    true,
    `connection lost (${codes[0] ?? 'unknown'})`,
  );
}

/**
 * Sends one request; a 5xx, a timeout (the signal) or a connection error throws
 * TransientAttemptError, any other status is returned for the caller to interpret.
 */
export async function sendAttempt(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  signal: AbortSignal,
): Promise<AttemptResponse> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, { ...init, signal, redirect: 'manual' });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw classify(error, signal);
  }
  if (status >= 500) {
    throw new TransientAttemptError('server_error', true, `processor answered ${status}`);
  }
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, body };
}
