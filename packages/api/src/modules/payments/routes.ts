import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf } from '../../platform/auth/authenticate.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { sendPage } from '../../platform/pagination/page.js';
import { NoQuery } from '../../platform/validation/empty-inputs.js';
import {
  API_VERSIONS,
  versionedPath,
  type ApiVersion,
} from '../../platform/versioning/api-version.js';
import { listFormat } from '../../platform/versioning/list-format.js';
import type { Phases, Respond } from './phases.js';
import type { RefundsService } from './refunds-service.js';
import {
  PAYMENT_EXAMPLE,
  PaymentFilters,
  PaymentParams,
  REFUND_EXAMPLE,
  RefundParams,
  type PaymentView,
  type RefundView,
} from './schemas.js';
import type { PaymentsService } from './service.js';
import {
  createPaymentRequest,
  createRefundRequest,
  paymentRepresentation,
  refundRepresentation,
  type RefundContext,
} from './versions/index.js';

/** Required routes always have a context once the idempotency preHandler has run. */
function phasesOf(request: FastifyRequest): Phases {
  if (!request.idempotency)
    throw new Error('idempotency context missing on a route that requires it');
  return request.idempotency;
}

interface Deps {
  payments: PaymentsService;
  refunds: RefundsService;
  publicBaseUrl: string;
}

/** /v{n}/payments and refunds: HTTP only, in every API version; the phased flows live in the services. */
export function registerPaymentRoutes(app: FastifyInstance, deps: Deps) {
  for (const version of API_VERSIONS) registerVersion(app, version, deps);
}

function registerVersion(app: FastifyInstance, version: ApiVersion, deps: Deps) {
  const { payments, refunds, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['payments'];
  const path = (route: string) => versionedPath(version, route);
  const list = listFormat(version);
  const paymentPath = path('/payments/pay_01jdq6a1b2c3d4e5f6g7h8j9k0');
  const PaymentShape = paymentRepresentation.schema(version);
  const RefundShape = refundRepresentation.schema(version);
  const presentPayment = (view: PaymentView) => paymentRepresentation.present(version, view);
  const presentRefund = (view: RefundView, context: RefundContext) =>
    refundRepresentation.present(version, view, context);
  const paymentExample = presentPayment(PAYMENT_EXAMPLE as PaymentView);
  const refundExample = presentRefund(REFUND_EXAMPLE as RefundView, { currency: 'EUR' });
  /** A refund is shown in its payment's currency; the payment's absence is the same 404 as before. */
  const refundContext = async (accountId: string, paymentId: string): Promise<RefundContext> => ({
    currency: (await payments.get(accountId, paymentId)).currency,
  });

  // 201 once the outcome is known; 202 while it is not (reconciliation will settle it).
  const paymentStatus = (view: PaymentView) =>
    view.status === 'requires_reconciliation' || view.status === 'processing' ? 202 : 201;
  const refundStatus = (view: RefundView) =>
    view.status === 'requires_reconciliation' || view.status === 'pending' ? 202 : 201;
  const paymentLocation = (view: PaymentView) => `${publicBaseUrl}${path('/payments')}/${view.id}`;
  const refundLocation = (view: RefundView) => `${publicBaseUrl}${path('/refunds')}/${view.id}`;
  // What the idempotency record stores must be exactly what the route sends.
  const respondPayment: Respond<PaymentView> = (view) => ({
    status: paymentStatus(view),
    body: presentPayment(view),
    headers: { location: paymentLocation(view) },
  });
  const respondRefund =
    (context: RefundContext): Respond<RefundView> =>
    (view) => ({
      status: refundStatus(view),
      body: presentRefund(view, context),
      headers: { location: refundLocation(view) },
    });
  const write = { scope: 'payments:write' as const, idempotency: 'required' as const };
  const read = { scope: 'payments:read' as const };

  r.post(
    path('/payments'),
    {
      config: write,
      schema: {
        operationId: 'createPayment',
        summary: 'Pay an order',
        description:
          'Charges the payment method through the processor. `Idempotency-Key` is required: retrying with the same key never charges twice, and resumes a payment interrupted mid-way. A declined charge is a 201 with `status: failed` and a `decline_code`.',
        tags,
        body: createPaymentRequest.schema(version),
        response: {
          201: { ...PaymentShape, description: 'The payment, `succeeded` or `failed`.' },
          202: {
            ...PaymentShape,
            examples: [{ ...(paymentExample as object), status: 'requires_reconciliation' }],
            description:
              'The processor did not answer in time; the payment is `requires_reconciliation` until reconciliation settles it.',
          },
          ...problemResponses(
            path('/payments'),
            'not_found',
            'order_not_payable',
            'payment_currency_mismatch',
            'amount_exceeds_balance',
            'payment_method_unknown',
            'processor_unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      const input = createPaymentRequest.accept(version, request.body);
      const view = await createPaymentRequest.translateErrors(version, request.body, () =>
        payments.create(principalOf(request).accountId, input, phasesOf(request), respondPayment),
      );
      return reply
        .code(paymentStatus(view))
        .header('location', paymentLocation(view))
        .send(presentPayment(view));
    },
  );

  r.get(
    path('/payments'),
    {
      config: { ...read, listCache: true },
      schema: {
        operationId: 'listPayments',
        summary: 'List payments, newest first',
        tags,
        querystring: list.query(PaymentFilters),
        response: {
          200: {
            ...list.schema(PaymentShape),
            examples: [list.envelope([paymentExample], false, null)],
          },
          ...problemResponses(path('/payments'), 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('pay'));
      const { order_id, status } = request.query;
      const page = await payments.list(principalOf(request).accountId, {
        orderId: order_id,
        status,
        afterId,
        limit,
      });
      return sendPage(request, reply, publicBaseUrl, page, presentPayment, list);
    },
  );

  r.get(
    path('/payments/:id'),
    {
      config: read,
      schema: {
        operationId: 'getPayment',
        summary: 'Retrieve a payment',
        tags,
        params: PaymentParams,
        querystring: NoQuery,
        response: {
          200: PaymentShape,
          ...problemResponses(paymentPath, 'not_found'),
        },
      },
    },
    async (request) =>
      presentPayment(await payments.get(principalOf(request).accountId, request.params.id)),
  );

  r.post(
    path('/payments/:id/refunds'),
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
        body: createRefundRequest.schema(version),
        response: {
          201: { ...RefundShape, description: 'The refund, `succeeded`.' },
          202: {
            ...RefundShape,
            examples: [{ ...(refundExample as object), status: 'requires_reconciliation' }],
            description: 'Outcome unknown; reconciliation will settle it.',
          },
          ...problemResponses(
            `${paymentPath}/refunds`,
            'not_found',
            'payment_not_refundable',
            'refund_exceeds_payment',
            'processor_unavailable',
          ),
        },
      },
    },
    async (request, reply) => {
      const { accountId } = principalOf(request);
      const context = await refundContext(accountId, request.params.id);
      const input = createRefundRequest.accept(version, request.body, context);
      const view = await createRefundRequest.translateErrors(
        version,
        request.body,
        () =>
          refunds.create(
            accountId,
            request.params.id,
            input.amount,
            phasesOf(request),
            respondRefund(context),
          ),
        context,
      );
      return reply
        .code(refundStatus(view))
        .header('location', refundLocation(view))
        .send(presentRefund(view, context));
    },
  );

  r.get(
    path('/payments/:id/refunds'),
    {
      config: { ...read, listCache: true },
      schema: {
        operationId: 'listRefunds',
        summary: 'List the refunds of a payment, newest first',
        tags,
        params: PaymentParams,
        querystring: list.query({}),
        response: {
          200: {
            ...list.schema(RefundShape),
            examples: [list.envelope([refundExample], false, null)],
          },
          ...problemResponses(`${paymentPath}/refunds`, 'invalid_cursor', 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const { accountId } = principalOf(request);
      const { limit, afterId } = list.pageOf(request, idPattern('re'));
      const page = await refunds.listForPayment(accountId, request.params.id, { afterId, limit });
      const context = await refundContext(accountId, request.params.id);
      return sendPage(
        request,
        reply,
        publicBaseUrl,
        page,
        (refund) => presentRefund(refund, context),
        list,
      );
    },
  );

  r.get(
    path('/refunds/:id'),
    {
      config: read,
      schema: {
        operationId: 'getRefund',
        summary: 'Retrieve a refund',
        tags,
        params: RefundParams,
        querystring: NoQuery,
        response: {
          200: RefundShape,
          ...problemResponses(path('/refunds/re_01jdq6b1c2d3e4f5g6h7j8k9m0'), 'not_found'),
        },
      },
    },
    async (request) => {
      const { accountId } = principalOf(request);
      const refund = await refunds.get(accountId, request.params.id);
      return presentRefund(refund, await refundContext(accountId, refund.payment_id));
    },
  );
}
