/**
 * The payment-processor client: every call runs under an overall deadline, retries timeouts, 5xx
 * and connection errors with exponential backoff and full jitter, and passes each attempt through
 * one circuit breaker and a per-attempt timeout (cockatiel policies, outermost first).
 *
 * Processor-side idempotency: the caller's idempotency key is sent as `Idempotency-Key` on EVERY
 * attempt of one logical call, unchanged. The processor performs the first request under a key
 * and replays its stored answer for the rest, so a retry after a timeout or a 5xx can never charge
 * or refund twice, and findCharge()/findRefund() can later ask what happened under that key.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  IsolatedCircuitError,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  fullJitterGenerator,
  handleType,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import { SpanKind, SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import { sendAttempt, TransientAttemptError, type AttemptResponse } from './http-attempt.js';
import {
  ProcessorOutcomeUnknownError,
  ProcessorRejectedError,
  ProcessorUnavailableError,
  type ChargeResult,
  type ProcessorClient,
  type RefundResult,
} from './types.js';
import {
  MalformedAnswerError,
  chargeBody,
  describeRejection,
  refundBody,
  rejectionReason,
  toChargeResult,
  toRefundResult,
} from './wire.js';

export interface ProcessorClientOptions {
  /** Base URL; `/v1/charges` and `/v1/refunds` are appended. */
  baseUrl: string;
  attemptTimeoutMs: number;
  deadlineMs: number;
  /** Attempts per call, the first included. */
  maxAttempts: number;
  /** Consecutive failed attempts (of any call) that open the circuit. */
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  logger: FastifyBaseLogger;
  /** Counts attempts and retries (the app passes its metrics). */
  observer?: ProcessorObserver;
  /** With tracing on: a CLIENT span per attempt, its context sent as `traceparent`. */
  tracing?: { tracer: Tracer; inject(headers: Record<string, string>): void };
}

/** How each attempt went: answered (2xx, or 404 on a lookup), refused (4xx), or failed (retryable). */
export type AttemptOutcome = 'success' | 'rejected' | 'error';

export interface ProcessorObserver {
  attempt(operation: string, outcome: AttemptOutcome, seconds: number): void;
  retry(operation: string): void;
}

/** Full jitter (AWS "Exponential Backoff And Jitter"): a random delay in [0, 100 ms · 2^n), n ≥ 0. */
const BACKOFF = { initialDelay: 100, maxDelay: 2_000 };

/** The deadline passed before this attempt could start; not the processor's fault. */
class DeadlinePassedError extends Error {}

/** Reads change nothing, so their failures never leave an unknown outcome behind. */
type Effect = 'read' | 'write';

export function createProcessorClient(options: ProcessorClientOptions): ProcessorClient {
  const { logger } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const retryAfterSeconds = Math.max(1, Math.ceil(options.breakerHalfOpenAfterMs / 1000));
  const transient = handleType(TransientAttemptError);

  const breaker = circuitBreaker(transient, {
    halfOpenAfter: options.breakerHalfOpenAfterMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold),
  });
  breaker.onBreak((cause) => {
    const reason =
      'error' in cause && cause.error instanceof TransientAttemptError
        ? cause.error.reason
        : 'isolated';
    logger.warn(
      { event: 'processor.breaker_opened', reason, retry_after_seconds: retryAfterSeconds },
      'payment processor circuit opened: calls fail fast',
    );
  });
  breaker.onHalfOpen(() =>
    logger.info({ event: 'processor.breaker_half_open' }, 'payment processor trial call'),
  );
  breaker.onReset(() =>
    logger.info({ event: 'processor.breaker_closed' }, 'payment processor circuit closed'),
  );
  // abortOnReturn off: an attempt has read the whole response before it returns (sendAttempt), so
  // there is nothing left to cancel, and cockatiel's abort after every call built a DOMException
  // with a stack each time (~74 µs of a payment's CPU in bench/profiles/pay-c2a1c03-…). A timeout
  // still aborts the signal.
  const attemptTimeout = timeout(options.attemptTimeoutMs, {
    strategy: TimeoutStrategy.Cooperative,
    abortOnReturn: false,
  });
  // Aggressive: the call rejects at the deadline even while a backoff delay is pending.
  const deadline = timeout(options.deadlineMs, {
    strategy: TimeoutStrategy.Aggressive,
    abortOnReturn: false,
  });

  function translate(error: unknown, effect: Effect, reached: boolean, operation: string): Error {
    if (
      error instanceof ProcessorRejectedError ||
      error instanceof ProcessorOutcomeUnknownError ||
      error instanceof ProcessorUnavailableError
    ) {
      return error;
    }
    if (error instanceof MalformedAnswerError) {
      return effect === 'write'
        ? new ProcessorOutcomeUnknownError(`${operation}: ${error.message}`)
        : new ProcessorUnavailableError(`${operation}: ${error.message}`, retryAfterSeconds);
    }
    const open = error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError;
    const failed =
      open ||
      error instanceof TransientAttemptError ||
      error instanceof TaskCancelledError ||
      error instanceof DeadlinePassedError;
    // Anything else is a bug in this client, surfaced as it is.
    if (!failed) return error instanceof Error ? error : new Error(String(error));
    // An earlier attempt may have been acted on even when a later one found the circuit open.
    if (effect === 'write' && reached) {
      return new ProcessorOutcomeUnknownError(
        `${operation}: no answer from the payment processor within the deadline; reconcile by idempotency key`,
      );
    }
    return new ProcessorUnavailableError(
      open
        ? `${operation}: the payment processor is unavailable (circuit open)`
        : `${operation}: the payment processor could not be reached`,
      retryAfterSeconds,
    );
  }

  async function call<T>(
    operation: string,
    effect: Effect,
    send: (signal: AbortSignal) => Promise<AttemptResponse>,
    interpret: (response: AttemptResponse) => T,
  ): Promise<T> {
    let maybeActedOn = 0;
    const retries = retry(transient, {
      maxAttempts: options.maxAttempts - 1,
      backoff: new ExponentialBackoff({ generator: fullJitterGenerator, ...BACKOFF }),
    });
    retries.onRetry((event) => {
      options.observer?.retry(operation);
      const failure = 'error' in event ? event.error : undefined;
      logger.warn(
        {
          event: 'processor.retry',
          operation,
          // The attempt that failed (1-based) and why; the next one starts after delay_ms.
          attempt: event.attempt,
          max_attempts: options.maxAttempts,
          reason: failure instanceof TransientAttemptError ? failure.reason : 'unknown',
          detail: failure instanceof Error ? failure.message : undefined,
          delay_ms: event.delay,
        },
        'retrying payment processor call',
      );
    });
    try {
      return await wrap(deadline, retries, breaker, attemptTimeout).execute(async ({ signal }) => {
        if (signal.aborted) throw new DeadlinePassedError();
        // Counted as possibly acted on from the moment it starts, so an attempt still in flight
        // when the deadline strikes is never mistaken for one that was refused.
        maybeActedOn += 1;
        const started = performance.now();
        const span = options.tracing?.tracer.startSpan(`processor ${operation}`, {
          kind: SpanKind.CLIENT,
          attributes: { 'steadfast.processor.operation': operation },
        });
        const observe = (outcome: AttemptOutcome) => {
          options.observer?.attempt(operation, outcome, (performance.now() - started) / 1000);
          if (outcome === 'error') span?.setStatus({ code: SpanStatusCode.ERROR });
          span?.setAttribute('steadfast.processor.outcome', outcome);
          span?.end();
        };
        try {
          const response = span
            ? await context.with(trace.setSpan(context.active(), span), () => send(signal))
            : await send(signal);
          span?.setAttribute('http.response.status_code', response.status);
          const result = interpret(response);
          observe('success');
          return result;
        } catch (error) {
          observe(error instanceof ProcessorRejectedError ? 'rejected' : 'error');
          if (error instanceof ProcessorRejectedError) {
            logger.warn(
              {
                event: 'processor.rejected',
                operation,
                status: error.status,
                reason: error.reason,
                detail: error.message,
              },
              'payment processor refused the request',
            );
          }
          if (error instanceof TransientAttemptError && !error.mayHaveReachedProcessor) {
            maybeActedOn -= 1;
          }
          throw error;
        }
      });
    } catch (error) {
      throw translate(error, effect, maybeActedOn > 0, operation);
    }
  }

  /** Runs in the attempt span's context, so `traceparent` names that span as the parent. */
  const traced = (headers: Record<string, string>) => {
    options.tracing?.inject(headers);
    return headers;
  };
  const post = (path: string, key: string, body: string) => (signal: AbortSignal) =>
    sendAttempt(
      `${baseUrl}${path}`,
      {
        method: 'POST',
        headers: traced({ 'content-type': 'application/json', 'idempotency-key': key }),
        body,
      },
      signal,
    );
  const get = (path: string, key: string) => (signal: AbortSignal) =>
    sendAttempt(
      `${baseUrl}${path}?idempotency_key=${encodeURIComponent(key)}`,
      { method: 'GET', headers: traced({}) },
      signal,
    );

  /** 2xx → the mapped object; any other status (4xx, or a 3xx from a wrong URL) → rejected. */
  const created =
    <T>(map: (body: unknown) => T) =>
    (response: AttemptResponse): T => {
      if (response.status >= 200 && response.status < 300) return map(response.body);
      throw new ProcessorRejectedError(
        describeRejection(response.status, response.body),
        response.status,
        rejectionReason(response.body),
      );
    };
  const foundOrNull =
    <T>(map: (body: unknown) => T) =>
    (response: AttemptResponse): T | null =>
      response.status === 404 ? null : created(map)(response);

  return {
    charge: (request) =>
      call(
        'charge',
        'write',
        post('/v1/charges', request.idempotencyKey, chargeBody(request)),
        created(toChargeResult),
      ),
    refund: (request) =>
      call(
        'refund',
        'write',
        post('/v1/refunds', request.idempotencyKey, refundBody(request)),
        created(toRefundResult),
      ),
    findCharge: (key): Promise<ChargeResult | null> =>
      call('find_charge', 'read', get('/v1/charges', key), foundOrNull(toChargeResult)),
    findRefund: (key): Promise<RefundResult | null> =>
      call('find_refund', 'read', get('/v1/refunds', key), foundOrNull(toRefundResult)),
    breakerState: () => {
      switch (breaker.state) {
        case CircuitState.Closed:
          return 'closed';
        case CircuitState.HalfOpen:
          return 'half_open';
        default:
          return 'open';
      }
    },
  };
}
