import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_SYSTEM_NAME,
} from '@opentelemetry/semantic-conventions';
import type { LogEvent } from 'kysely';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

/** db.operation.name: the SQL keyword, as the database semantic conventions name it. */
const OPERATIONS: Record<string, string> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
};

/** error.type: the SQLSTATE (PostgreSQL) or SQLite result code, else the error's class. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)) return code;
  return error instanceof Error ? error.name : '_OTHER';
}

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
    const operation = OPERATIONS[event.query.query.kind] ?? 'OTHER';
    metrics?.dbOperationDuration.observe(
      {
        db_system_name: system,
        db_operation_name: operation,
        ...(event.level === 'error' ? { error_type: errorType(event.error) } : {}),
      },
      event.queryDurationMillis / 1000,
    );
    // Only inside a request's recorded trace: background jobs and metric scrapes would each
    // start a trace, and a child of an unsampled span would be dropped anyway.
    if (!tracing || trace.getSpan(context.active())?.isRecording() !== true) return;
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
