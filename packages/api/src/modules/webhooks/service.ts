import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { notFound, validationFailed } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import {
  RefusedUrl,
  resolvePublicTarget,
  type GuardOptions,
} from '../../platform/outbound/address-guard.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import * as repo from './repository.js';
import {
  ATTEMPT_HISTORY_LIMIT,
  type CreateEndpointInput,
  type DeliveryView,
  type DeliveryWithAttemptsView,
  type EndpointView,
  type UpdateEndpointInput,
} from './schemas.js';
import { newSigningSecret } from './signing.js';
import { attemptView, deliveryView, endpointView } from './views.js';

export interface WebhooksServiceDeps {
  db: Kysely<Database>;
  guard: GuardOptions;
  /** How long the previous secret keeps signing after a rotation. */
  secretOverlapSeconds: number;
  now?: () => Date;
}

/**
 * Webhook endpoints (subscriptions) and their delivery log. URLs are checked against the SSRF
 * guard here, at creation and change, and again by the worker at every delivery.
 */
export function createWebhooksService(deps: WebhooksServiceDeps) {
  const { db, guard } = deps;
  const now = deps.now ?? (() => new Date());

  async function checkUrl(url: string): Promise<void> {
    try {
      await resolvePublicTarget(url, guard);
    } catch (error) {
      if (error instanceof RefusedUrl)
        throw validationFailed({ in: 'body', pointer: '/url', detail: error.message });
      throw error;
    }
  }

  async function loadOrFail(accountId: string, id: string) {
    const row = await repo.findEndpoint(db, accountId, id);
    if (!row) throw notFound('webhook endpoint', id);
    return row;
  }

  return {
    /** Creates an endpoint; the secret is in this answer only. */
    async create(
      accountId: string,
      input: CreateEndpointInput,
    ): Promise<EndpointView & { secret: string }> {
      await checkUrl(input.url);
      const at = now().toISOString();
      const secret = newSigningSecret();
      const row = await repo.insertEndpoint(db, {
        id: newId('we'),
        account_id: accountId,
        url: input.url,
        description: input.description ?? null,
        event_types: JSON.stringify(input.event_types),
        enabled: input.enabled === false ? 0 : 1,
        disabled_reason: null,
        secret,
        previous_secret: null,
        previous_secret_expires_at: null,
        last_failure_at: null,
        created_at: at,
        updated_at: at,
      });
      return { ...endpointView(row), secret };
    },

    async get(accountId: string, id: string): Promise<EndpointView> {
      return endpointView(await loadOrFail(accountId, id));
    },

    async list(
      accountId: string,
      page: { afterId?: string; limit: number },
    ): Promise<Page<EndpointView>> {
      return mapPage(await repo.findEndpointPage(db, accountId, page), endpointView);
    },

    async update(accountId: string, id: string, input: UpdateEndpointInput): Promise<EndpointView> {
      await loadOrFail(accountId, id);
      if (input.url !== undefined) await checkUrl(input.url);
      const row = await repo.updateEndpoint(db, accountId, id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.event_types !== undefined
          ? { event_types: JSON.stringify(input.event_types) }
          : {}),
        // Enabling (again) starts a fresh failure count.
        ...(input.enabled === true
          ? { enabled: 1, disabled_reason: null, consecutive_failures: 0 }
          : input.enabled === false
            ? { enabled: 0 }
            : {}),
        updated_at: now().toISOString(),
      });
      if (!row) throw notFound('webhook endpoint', id);
      return endpointView(row);
    },

    async remove(accountId: string, id: string): Promise<void> {
      const deleted = await db
        .transaction()
        .execute((trx) => repo.deleteEndpoint(trx, accountId, id));
      if (!deleted) throw notFound('webhook endpoint', id);
    },

    /** New secret; the current one keeps signing beside it for the overlap window. */
    async rotateSecret(accountId: string, id: string): Promise<EndpointView & { secret: string }> {
      const current = await loadOrFail(accountId, id);
      const at = now();
      const secret = newSigningSecret();
      const row = await repo.updateEndpoint(db, accountId, id, {
        secret,
        previous_secret: current.secret,
        previous_secret_expires_at: new Date(
          at.getTime() + deps.secretOverlapSeconds * 1000,
        ).toISOString(),
        updated_at: at.toISOString(),
      });
      if (!row) throw notFound('webhook endpoint', id);
      return { ...endpointView(row), secret };
    },

    async listDeliveries(
      accountId: string,
      endpointId: string,
      page: { afterId?: string; limit: number },
    ): Promise<Page<DeliveryView>> {
      await loadOrFail(accountId, endpointId);
      return mapPage(await repo.findDeliveryPage(db, accountId, endpointId, page), deliveryView);
    },

    /** One delivery with its attempts, newest first (the last ATTEMPT_HISTORY_LIMIT). */
    async getDelivery(
      accountId: string,
      endpointId: string,
      id: string,
    ): Promise<DeliveryWithAttemptsView> {
      await loadOrFail(accountId, endpointId);
      const row = await repo.findDelivery(db, accountId, endpointId, id);
      if (!row) throw notFound('webhook delivery', id);
      const attempts = await repo.findAttempts(db, accountId, id, ATTEMPT_HISTORY_LIMIT);
      return { ...deliveryView(row), attempt_history: attempts.map(attemptView) };
    },

    /** Makes a delivery due now (a no-op while a worker is attempting it). */
    async retryDelivery(accountId: string, endpointId: string, id: string): Promise<DeliveryView> {
      await loadOrFail(accountId, endpointId);
      const found = await repo.findDelivery(db, accountId, endpointId, id);
      if (!found) throw notFound('webhook delivery', id);
      await repo.rescheduleDelivery(db, accountId, endpointId, id, now().toISOString());
      const row = await repo.findDelivery(db, accountId, endpointId, id);
      if (!row) throw notFound('webhook delivery', id);
      return deliveryView(row);
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
