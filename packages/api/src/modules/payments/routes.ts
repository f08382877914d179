import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf } from '../../platform/auth/authenticate.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { decodeCursor } from '../../platform/pagination/cursor.js';
import { DEFAULT_LIMIT, sendPage } from '../../platform/pagination/page.js';
import { NoQuery } from '../../platform/validation/empty-inputs.js';
import type { Phases, Respond } from './phases.js';
import type { RefundsService } from './refunds-service.js';
import {
  CreatePaymentBody,
  CreateRefundBody,
  ListPaymentsQuery,
  ListRefundsQuery,
  PAYMENT_EXAMPLE,
  Payment,
  PaymentList,
  PaymentParams,
  REFUND_EXAMPLE,
  Refund,
  RefundList,
  RefundParams,
  type PaymentView,
  type RefundView,
} from './schemas.js';
import type { PaymentsService } from './service.js';

const PAYMENT_PATH = '/v1/payments/pay_01jdq6a1b2c3d4e5f6g7h8j9k0';

/** Required routes always have a context once the idempotency preHandler has run. */
function phasesOf(request: FastifyRequest): Phases {
  if (!request.idempotency)
    throw new Error('idempotency context missing on a route that requires it');
  return request.idempotency;
}

/** /v1/payments and refunds: HTTP only; the phased flows live in the services. */
export function registerPaymentRoutes(
  app: FastifyInstance,
  deps: { payments: PaymentsService; refunds: RefundsService; publicBaseUrl: string },
) {
  const { payments, refunds, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['payments'];
  // 201 once the outcome is known; 202 while it is not (reconciliation will settle it).
  const paymentStatus = (view: PaymentView) =>
    view.status === 'requires_reconciliation' || view.status === 'processing' ? 202 : 201;
  const refundStatus = (view: RefundView) =>
    view.status === 'requires_reconciliation' || view.status === 'pending' ? 202 : 201;
  const paymentLocation = (view: PaymentView) => `${publicBaseUrl}/v1/payments/${view.id}`;
  const refundLocation = (view: RefundView) => `${publicBaseUrl}/v1/refunds/${view.id}`;
  // What the idempotency record stores must be exactly what the route sends.
  const respondPayment: Respond<PaymentView> = (view) => ({
    status: paymentStatus(view),
    body: view,
    headers: { location: paymentLocation(view) },
  });
  const respondRefund: Respond<RefundView> = (view) => ({
    status: refundStatus(view),
    body: view,
    headers: { location: refundLocation(view) },
  });
  const write = { scope: 'payments:write' as const, idempotency: 'required' as const };
  const read = { scope: 'payments:read' as const };

  r.post(
    '/v1/payments',
    {
      config: write,
      schema: {
        operationId: 'createPayment',
        summary: 'Pay an order',
        description:
          'Charges the payment method through the processor. `Idempotency-Key` is required: retrying with the same key never charges twice, and resumes a payment interrupted mid-way. A declined charge is a 201 with `status: failed` and a `decline_code`.',
        tags,
        body: CreatePaymentBody,
        response: {
          201: { ...Payment, description: 'The payment, `succeeded` or `failed`.' },
          202: {
            ...Payment,
            examples: [{ ...PAYMENT_EXAMPLE, status: 'requires_reconciliation' }],
            description:
              'The processor did not answer in time; the payment is `requires_reconciliation` until reconciliation settles it.',
          },
          ...problemResponses(
            '/v1/payments',
            'validation_failed',
            'malformed_json',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
            'order_not_payable',
            'payment_currency_mismatch',
            'amount_exceeds_balance',
            'processor_unavailable',
            'payload_too_large',
            'unsupported_media_type',
          ),
        },
      },
    },
    async (request, reply) => {
      const view = await payments.create(
        principalOf(request).accountId,
        request.body,
        phasesOf(request),
        respondPayment,
      );
      return reply.code(paymentStatus(view)).header('location', paymentLocation(view)).send(view);
    },
  );

  r.get(
    '/v1/payments',
    {
      config: read,
      schema: {
        operationId: 'listPayments',
        summary: 'List payments, newest first',
        tags,
        querystring: ListPaymentsQuery,
        response: {
          200: {
            ...PaymentList,
            examples: [
              { object: 'list', data: [PAYMENT_EXAMPLE], has_more: false, next_cursor: null },
            ],
          },
          ...problemResponses(
            '/v1/payments',
            'validation_failed',
            'invalid_cursor',
            'unauthenticated',
            'insufficient_scope',
          ),
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, starting_after, order_id, status } = request.query;
      const afterId =
        starting_after === undefined ? undefined : decodeCursor(starting_after, idPattern('pay'));
      const page = await payments.list(principalOf(request).accountId, {
        orderId: order_id,
        status,
        afterId,
        limit,
      });
      return sendPage(request, reply, publicBaseUrl, page, (payment) => payment);
    },
  );

  r.get(
    '/v1/payments/:id',
    {
      config: read,
      schema: {
        operationId: 'getPayment',
        summary: 'Retrieve a payment',
        tags,
        params: PaymentParams,
        querystring: NoQuery,
        response: {
          200: Payment,
          ...problemResponses(
            PAYMENT_PATH,
            'validation_failed',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request) => payments.get(principalOf(request).accountId, request.params.id),
  );

  r.post(
    '/v1/payments/:id/refunds',
    {
      config: write,
      schema: {
        operationId: 'createRefund',
        summary: 'Refund a payment, fully or partly',
        description:
          '`Idempotency-Key` is required. Refunds of one payment never add up to more than it captured, even when sent concurrently.',
        tags,
        params: PaymentParams,
        querystring: NoQuery,
        body: CreateRefundBody,
        response: {
          201: { ...Refund, description: 'The refund, `succeeded`.' },
          202: {
            ...Refund,
            examples: [{ ...REFUND_EXAMPLE, status: 'requires_reconciliation' }],
            description: 'Outcome unknown; reconciliation will settle it.',
          },
          ...problemResponses(
            `${PAYMENT_PATH}/refunds`,
            'validation_failed',
            'malformed_json',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
            'payment_not_refundable',
            'refund_exceeds_payment',
            'processor_unavailable',
            'payload_too_large',
            'unsupported_media_type',
          ),
        },
      },
    },
    async (request, reply) => {
      const { accountId } = principalOf(request);
      const view = await refunds.create(
        accountId,
        request.params.id,
        request.body.amount,
        phasesOf(request),
        respondRefund,
      );
      return reply.code(refundStatus(view)).header('location', refundLocation(view)).send(view);
    },
  );

  r.get(
    '/v1/payments/:id/refunds',
    {
      config: read,
      schema: {
        operationId: 'listRefunds',
        summary: 'List the refunds of a payment, newest first',
        tags,
        params: PaymentParams,
        querystring: ListRefundsQuery,
        response: {
          200: {
            ...RefundList,
            examples: [
              { object: 'list', data: [REFUND_EXAMPLE], has_more: false, next_cursor: null },
            ],
          },
          ...problemResponses(
            `${PAYMENT_PATH}/refunds`,
            'validation_failed',
            'invalid_cursor',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, starting_after } = request.query;
      const afterId =
        starting_after === undefined ? undefined : decodeCursor(starting_after, idPattern('re'));
      const page = await refunds.listForPayment(principalOf(request).accountId, request.params.id, {
        afterId,
        limit,
      });
      return sendPage(request, reply, publicBaseUrl, page, (refund) => refund);
    },
  );

  r.get(
    '/v1/refunds/:id',
    {
      config: read,
      schema: {
        operationId: 'getRefund',
        summary: 'Retrieve a refund',
        tags,
        params: RefundParams,
        querystring: NoQuery,
        response: {
          200: Refund,
          ...problemResponses(
            '/v1/refunds/re_01jdq6b1c2d3e4f5g6h7j8k9m0',
            'validation_failed',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request) => refunds.get(principalOf(request).accountId, request.params.id),
  );
}
