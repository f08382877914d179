import type { OpenApiDocument } from './document-types.js';

/**
 * OpenAPI `links` between operations (OpenAPI 3.1 §4.8.20): which value of a response feeds which
 * parameter of a next call, so a client generator or a stateful fuzzer (Schemathesis) can chain
 * create → read → update → cancel, and payment → refund, from the document alone.
 */
interface LinkSpec {
  /** The operation whose response carries the value, and the statuses that carry it. */
  from: string;
  statuses: string[];
  name: string;
  to: string;
  /** The id parameter of `to`, filled from this field of the response body. */
  field: string;
  description: string;
}

const byId = (from: string, statuses: string[], resource: string, ops: [string, string][]) =>
  ops.map(([name, to]) => ({
    from,
    statuses,
    name,
    to,
    field: 'id',
    description: `The \`id\` of this ${resource}, for \`${to}\`.`,
  }));

const LINKS: LinkSpec[] = [
  ...byId('createUser', ['201'], 'user', [
    ['GetUser', 'getUser'],
    ['UpdateUser', 'updateUser'],
    ['DeleteUser', 'deleteUser'],
  ]),
  ...byId('createOrder', ['201'], 'order', [
    ['GetOrder', 'getOrder'],
    ['CancelOrder', 'cancelOrder'],
  ]),
  ...byId('createPayment', ['201', '202'], 'payment', [
    ['GetPayment', 'getPayment'],
    ['CreateRefund', 'createRefund'],
    ['ListRefunds', 'listRefunds'],
  ]),
  ...byId('createRefund', ['201', '202'], 'refund', [['GetRefund', 'getRefund']]),
  ...byId('createApiKey', ['201'], 'API key', [['RevokeApiKey', 'revokeApiKey']]),
  {
    from: 'createOrder',
    statuses: ['201'],
    name: 'GetBuyer',
    to: 'getUser',
    field: 'user_id',
    description: 'The user who placed the order.',
  },
  {
    from: 'createPayment',
    statuses: ['201', '202'],
    name: 'GetPaidOrder',
    to: 'getOrder',
    field: 'order_id',
    description: 'The order this payment pays.',
  },
  {
    from: 'createRefund',
    statuses: ['201', '202'],
    name: 'GetRefundedPayment',
    to: 'getPayment',
    field: 'payment_id',
    description: 'The payment this refund returns money from.',
  },
];

/** Adds the links to the responses of `document` whose operations it has (in place). */
export function addLinks(document: OpenApiDocument): void {
  const operations = new Map(
    Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) =>
        operation.operationId ? [[operation.operationId, operation] as const] : [],
      ),
    ),
  );
  for (const link of LINKS) {
    const from = operations.get(link.from);
    const to = operations.get(link.to);
    const parameter = to?.parameters?.find((p) => p.in === 'path');
    if (!from || !to || !parameter) continue;
    for (const status of link.statuses) {
      const response = from.responses[status];
      if (!response) continue;
      response.links = {
        ...response.links,
        [link.name]: {
          operationId: link.to,
          parameters: { [parameter.name]: `$response.body#/${link.field}` },
          description: link.description,
        },
      };
    }
  }
}
