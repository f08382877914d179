import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { LogEvent } from 'kysely';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

const OPERATIONS: Record<string, string> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/**
 * Observes every query Kysely runs (its `log` hook fires after success and failure alike): the
 * duration histogram, and with tracing a CLIENT span under the request's span, back-dated to when
 * the query started (queries outside a request are not traced). The SQL text has placeholders, never values, so no data reaches the tracer.
 */
export function createQueryObserver(options: {
  dialect: 'sqlite' | 'postgres';
  metrics?: Metrics;
  tracing?: Tracing;
}): (event: LogEvent) => void {
  const { metrics, tracing } = options;
  const system = options.dialect === 'postgres' ? 'postgresql' : 'sqlite';
  return (event) => {
    const operation = OPERATIONS[event.query.query.kind] ?? 'other';
    const outcome = event.level === 'error' ? 'error' : 'ok';
    metrics?.dbQueryDuration.observe({ operation, outcome }, event.queryDurationMillis / 1000);
    // Only inside a request's trace: background jobs and metric scrapes would each start a trace.
    if (!tracing || trace.getSpan(context.active()) === undefined) return;
    const end = Date.now();
    const span = tracing.tracer.startSpan(
      `${operation} ${system}`,
      {
        kind: SpanKind.CLIENT,
        startTime: end - event.queryDurationMillis,
        attributes: {
          [ATTR_DB_SYSTEM_NAME]: system,
          [ATTR_DB_OPERATION_NAME]: operation,
          [ATTR_DB_QUERY_TEXT]: event.query.sql,
        },
      },
      context.active(),
    );
    if (event.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(end);
  };
}
