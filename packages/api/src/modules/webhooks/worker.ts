import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { WebhooksConfig } from '../../config/index.js';
import type { Dialect } from '../../db/database.js';
import { toIso } from '../../db/timestamps.js';
import type { Database } from '../../db/schema.js';
import { newId } from '../../platform/ids/ids.js';
import {
  RefusedUrl,
  resolvePublicTarget,
  type GuardOptions,
} from '../../platform/outbound/address-guard.js';
import { pinnedPost, type PostResult } from '../../platform/outbound/pinned-post.js';
import * as queue from './delivery-queue.js';
import { appendEvent } from './outbox.js';
import type { EndpointRow } from './repository.js';
import { nextDelayMs, parseRetryAfter } from './retry-schedule.js';
import { signedHeaders } from './signing.js';
import { endpointView } from './views.js';

/** An attempt's error as stored and shown: the status or transport error, never the body. */
const MAX_ERROR_LENGTH = 500;

/** How an attempt ended: the `outcome` label of steadfast_webhook_deliveries_total. */
export type AttemptOutcome = 'succeeded' | 'retried' | 'failed';

export interface DeliveryWorkerDeps {
  db: Kysely<Database>;
  dialect: Dialect;
  settings: WebhooksConfig;
  guard: GuardOptions;
  /** Where attempts are logged (key events: docs/operations.md "Webhooks"). */
  log: Pick<BaseLogger, 'info' | 'warn'>;
  /** Told of every attempt (metrics). */
  observe?: (attempt: {
    outcome: AttemptOutcome;
    durationMs: number;
    /** Event creation to successful delivery, on success. */
    latencyMs?: number;
    endpointDisabled: boolean;
  }) => void;
  /** Injectable for tests that drive the retry schedule without waiting. */
  now?: () => Date;
  random?: () => number;
}

/** The body a receiver gets: the event, with the resource after the change in `data`. */
export function eventBody(delivery: queue.ClaimedDelivery): string {
  return JSON.stringify({
    id: delivery.event_id,
    object: 'event',
    type: delivery.event_type,
    created_at: toIso(delivery.event_created_at),
    data: JSON.parse(delivery.event_data) as unknown,
  });
}

/**
 * The delivery worker: each pass claims due deliveries (delivery-queue.ts), sends each signed
 * (Standard Webhooks) to the address the SSRF guard approved, and records the outcome: done, a
 * retry on the backoff schedule, or failed for good; an endpoint failing too often is disabled
 * and the tenant told with a `webhook_endpoint.disabled` event.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const { db, settings, log } = deps;
  const now = deps.now ?? (() => new Date());
  const instance = randomUUID();

  function secretsOf(endpoint: EndpointRow, at: Date): string[] {
    const previousValid =
      endpoint.previous_secret !== null &&
      endpoint.previous_secret_expires_at !== null &&
      new Date(endpoint.previous_secret_expires_at).getTime() > at.getTime();
    return previousValid ? [endpoint.secret, endpoint.previous_secret!] : [endpoint.secret];
  }

  async function send(endpoint: EndpointRow, delivery: queue.ClaimedDelivery, at: Date) {
    const body = eventBody(delivery);
    const headers = signedHeaders(
      secretsOf(endpoint, at),
      delivery.event_id,
      Math.floor(at.getTime() / 1000),
      body,
    );
    let result: PostResult;
    try {
      // Again at delivery: the name may resolve elsewhere now than when the endpoint was created.
      const target = await resolvePublicTarget(endpoint.url, deps.guard);
      result = await pinnedPost(target, headers, body, {
        timeoutMs: settings.timeoutMs,
        maxResponseBytes: settings.maxResponseBytes,
      });
    } catch (error) {
      if (!(error instanceof RefusedUrl)) throw error;
      result = { error: `URL refused: ${error.message}`, durationMs: 0 };
    }
    return result;
  }

  async function attempt(
    claimToken: string,
    delivery: queue.ClaimedDelivery,
    endpoint: EndpointRow,
  ) {
    const started = now();
    const result = await send(endpoint, delivery, started);
    const at = now();
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    const common = {
      at: at.toISOString(),
      responseStatus: result.status ?? null,
      durationMs: result.durationMs,
    };
    const context = {
      delivery_id: delivery.id,
      endpoint_id: delivery.endpoint_id,
      event_id: delivery.event_id,
      event_type: delivery.event_type,
      attempt: delivery.attempts,
      status: result.status,
      duration_ms: result.durationMs,
    };
    /** The attempt's row in the delivery's history (webhook_delivery_attempts). */
    const history = (
      outcome: AttemptOutcome,
      error: string | null,
      nextAttemptAt: string | null,
    ) => ({
      id: newId('wha'),
      account_id: delivery.account_id,
      delivery_id: delivery.id,
      attempt: delivery.attempts,
      started_at: started.toISOString(),
      duration_ms: Math.max(0, Math.round(result.durationMs)),
      response_status: result.status ?? null,
      error,
      outcome,
      next_attempt_at: nextAttemptAt,
    });
    if (ok) {
      const recorded = await db.transaction().execute(async (trx) => {
        if (
          !(await queue.completeAttempt(trx, delivery.id, claimToken, {
            ...common,
            status: 'succeeded',
            nextAttemptAt: common.at,
            error: null,
          }))
        )
          return false;
        await queue.insertAttempt(trx, history('succeeded', null, null));
        return true;
      });
      if (!recorded) return;
      await queue.resetFailures(db, delivery.endpoint_id);
      log.info({ event: 'webhook.delivered', ...context }, 'webhook delivered');
      deps.observe?.({
        outcome: 'succeeded',
        durationMs: result.durationMs,
        latencyMs: at.getTime() - new Date(delivery.event_created_at).getTime(),
        endpointDisabled: false,
      });
      return;
    }
    const retryAfterMs =
      result.status === 429 || result.status === 503
        ? parseRetryAfter(firstHeader(result.headers?.['retry-after']), at.getTime())
        : undefined;
    const delay = nextDelayMs(settings, delivery.attempts, retryAfterMs, deps.random);
    const error = result.error ?? (result.status !== undefined ? `HTTP ${result.status}` : null);
    const storedError = error?.slice(0, MAX_ERROR_LENGTH) ?? null;
    const nextAttemptAt = new Date(at.getTime() + (delay ?? 0)).toISOString();
    const disabled = await db.transaction().execute(async (trx) => {
      const recorded = await queue.completeAttempt(trx, delivery.id, claimToken, {
        ...common,
        status: delay === undefined ? 'failed' : 'pending',
        nextAttemptAt,
        error: storedError,
      });
      if (!recorded) return undefined;
      await queue.insertAttempt(
        trx,
        history(
          delay === undefined ? 'failed' : 'retried',
          storedError,
          delay === undefined ? null : nextAttemptAt,
        ),
      );
      const row = await queue.countFailure(
        trx,
        delivery.endpoint_id,
        common.at,
        settings.disableAfterFailures,
      );
      if (row)
        await appendEvent(
          trx,
          row.account_id,
          'webhook_endpoint.disabled',
          row.id,
          endpointView(row),
          common.at,
        );
      return row;
    });
    const outcome: AttemptOutcome = delay === undefined ? 'failed' : 'retried';
    if (outcome === 'failed')
      log.warn(
        { event: 'webhook.delivery_failed', ...context, error },
        'webhook delivery failed for good',
      );
    else
      log.warn(
        { event: 'webhook.attempt_failed', ...context, error, retry_in_ms: delay },
        'webhook attempt failed',
      );
    if (disabled)
      log.warn(
        {
          event: 'webhook.endpoint_disabled',
          endpoint_id: disabled.id,
          account_id: disabled.account_id,
        },
        'webhook endpoint disabled after repeated failures',
      );
    deps.observe?.({
      outcome,
      durationMs: result.durationMs,
      endpointDisabled: disabled !== undefined,
    });
  }

  return {
    /**
     * One pass: claims a batch and attempts it; resolves to the number of deliveries claimed.
     * Once `stopping` is aborted no new attempt starts: those in flight finish (each bounded by
     * the attempt timeout) and the rest of the batch is released, due again at once for another
     * worker, without counting as an attempt.
     */
    async runOnce(stopping?: AbortSignal): Promise<number> {
      if (stopping?.aborted) return 0;
      const at = now();
      const claimToken = `${instance}:${randomUUID()}`;
      const claimed = await queue.claimDue(db, deps.dialect, {
        claimToken,
        now: at.toISOString(),
        leaseUntil: new Date(at.getTime() + settings.leaseMs).toISOString(),
        limit: settings.batchSize,
      });
      if (claimed.length === 0) return 0;
      const endpoints = new Map(
        (await queue.findEndpointsByIds(db, [...new Set(claimed.map((d) => d.endpoint_id))])).map(
          (e) => [e.id, e],
        ),
      );
      // Per endpoint in order (oldest due first), endpoints in parallel: one slow receiver
      // delays only its own deliveries.
      const byEndpoint = new Map<string, queue.ClaimedDelivery[]>();
      for (const d of claimed)
        byEndpoint.set(d.endpoint_id, [...(byEndpoint.get(d.endpoint_id) ?? []), d]);
      await Promise.all(
        [...byEndpoint].map(async ([endpointId, deliveries]) => {
          const endpoint = endpoints.get(endpointId);
          if (!endpoint) return; // deleted since the claim; its deliveries went with it
          for (const delivery of deliveries) {
            if (stopping?.aborted) {
              await queue.releaseClaim(db, delivery.id, claimToken, now().toISOString());
              log.info(
                { event: 'webhook.claim_released', delivery_id: delivery.id },
                'webhook delivery released on shutdown',
              );
            } else await attempt(claimToken, delivery, endpoint);
          }
        }),
      );
      return claimed.length;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
