/**
 * The error catalogue: every problem `code` the API can answer with. Each entry is served as a
 * human page at `/problems/{code}` (the problem `type` URI) and mirrored in docs/errors.md.
 */
export interface ProblemDefinition {
  status: number;
  title: string;
  /** What happened, for the person reading the page. */
  description: string;
  /** What the client should do about it. */
  resolution: string;
}

export const problemCatalogue = {
  validation_failed: {
    status: 400,
    title: 'Request validation failed',
    description:
      'One or more parts of the request (body, query string, path or headers) do not match the documented schema: a field is missing, has the wrong type, is out of bounds, is not a known field, or is malformed. Strings in a body may not contain control characters other than tab, line feed and carriage return, nor bidirectional overrides (U+202A–U+202E, U+2066–U+2069). The `errors` array lists each one with its location (`in`), a JSON pointer and a message.',
    resolution:
      'Fix each listed field and send the request again. Unknown fields are rejected, not ignored.',
  },
  malformed_json: {
    status: 400,
    title: 'Malformed JSON body',
    description:
      'The body was declared as JSON but could not be parsed, was empty, was not valid UTF-8 (JSON is UTF-8, RFC 8259), contained a lone surrogate escape such as `\\ud800` (not Unicode text), or contained a `__proto__` or `constructor.prototype` key (refused because such keys can alter JavaScript objects; no operation accepts them).',
    resolution:
      'Send a syntactically valid JSON document, encoded in UTF-8, with `Content-Type: application/json`.',
  },
  json_too_deep: {
    status: 400,
    title: 'JSON body nested too deeply',
    description:
      'Objects and arrays in the body are nested deeper than the server allows (`JSON_MAX_DEPTH`, 20 by default). No operation needs more than a few levels; the limit keeps a tiny body from costing a lot of work.',
    resolution: 'Send the documented shape; it never nests that deep.',
  },
  invalid_cursor: {
    status: 400,
    title: 'Invalid pagination cursor',
    description:
      'The cursor (`starting_after` in v1, `cursor` in v2) was not produced by this API for this list, or was altered.',
    resolution:
      'Pass the `next_cursor` value (or follow the `Link: rel="next"` URL) exactly as received.',
  },
  bad_request: {
    status: 400,
    title: 'Bad request',
    description:
      'The HTTP request itself could not be understood (malformed URL, header or framing).',
    resolution: 'Check the request line, headers and body framing sent by your HTTP client.',
  },
  idempotency_key_missing: {
    status: 400,
    title: 'Idempotency-Key required',
    description:
      'This operation moves money or otherwise must never run twice, so it requires an `Idempotency-Key` header: 1 to 255 printable ASCII characters that you choose per logical operation.',
    resolution:
      'Generate a unique key (a UUID v4 is ideal) for the operation, send it as `Idempotency-Key`, and reuse the same key when you retry that operation.',
  },
  unauthenticated: {
    status: 401,
    title: 'Authentication required',
    description:
      'The request carries no credentials, or the API key is unknown, malformed, revoked or expired. The response has a `WWW-Authenticate: Bearer` header.',
    resolution: 'Send `Authorization: Bearer sk_…` with a valid, unrevoked API key.',
  },
  insufficient_scope: {
    status: 403,
    title: 'Insufficient scope',
    description:
      'The credential is valid but lacks the scope this operation requires. The `WWW-Authenticate` header names it (`error="insufficient_scope", scope="…"`).',
    resolution:
      'Use an API key or token that carries the scope, or create one with `POST /v1/api_keys`.',
  },
  account_suspended: {
    status: 403,
    title: 'Account suspended',
    description:
      'The credential is valid but its account (tenant) has been suspended by the operator of this API. Every API key and access token of the account is refused until the account is resumed.',
    resolution:
      'Contact the operator of this API; retrying does not help until the account is resumed.',
  },
  tenant_deleted: {
    status: 409,
    title: 'Tenant deleted',
    description:
      'An operator action (suspend, resume) named a tenant that has been deleted. Deletion is final; the rows are kept only for the retention period.',
    resolution: 'Create a new tenant if the account should exist again.',
  },
  not_found: {
    status: 404,
    title: 'Resource not found',
    description:
      'No resource with this id exists in your account. Resources of other accounts answer exactly the same way.',
    resolution: 'Check the id; list the collection to find existing resources.',
  },
  route_not_found: {
    status: 404,
    title: 'Route not found',
    description: 'No operation exists at this path.',
    resolution: 'Check the path against the API reference at `/docs`.',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed',
    description:
      'The path exists but does not support this HTTP method. The `Allow` header lists the methods it does support.',
    resolution: 'Use one of the methods in the `Allow` header.',
  },
  method_not_implemented: {
    status: 501,
    title: 'Method not implemented',
    description:
      'The request method is not one this API implements for any resource: methods outside HTTP’s standard set (RFC 9110, PATCH, QUERY), such as WebDAV’s, and `CONNECT`, since this server is not a proxy. A standard method on a path that does not support it is a 405 instead.',
    resolution: 'Use the methods the API reference at `/docs` lists for the path.',
  },
  email_taken: {
    status: 409,
    title: 'Email already in use',
    description:
      'Another user of your account already has this email address (compared case-insensitively).',
    resolution: 'Use another email, or fetch the existing user with `GET /v1/users?email=…`.',
  },
  user_has_orders: {
    status: 409,
    title: 'User has orders',
    description: 'A user who has orders cannot be deleted: the orders would lose their owner.',
    resolution: 'Keep the user, or cancel and archive their orders through your own process first.',
  },
  order_not_cancelable: {
    status: 409,
    title: 'Order cannot be canceled',
    description:
      'Only orders in status `pending_payment` with no payment processing or succeeded can be canceled.',
    resolution:
      'Fetch the order to see its current status; a canceled order needs no further action.',
  },
  order_not_payable: {
    status: 409,
    title: 'Order cannot be paid',
    description:
      'Only orders in status `pending_payment` can be paid; this one is canceled, paid or refunded.',
    resolution: 'Fetch the order to see its status. A paid order needs no further payment.',
  },
  payment_not_refundable: {
    status: 409,
    title: 'Payment cannot be refunded',
    description:
      'Only `succeeded` payments can be refunded; this one failed or its outcome is still open.',
    resolution:
      'Fetch the payment; if it is `requires_reconciliation`, wait until reconciliation settles it.',
  },
  payment_currency_mismatch: {
    status: 422,
    title: 'Currency does not match the order',
    description: 'A payment must be in the currency of the order it pays.',
    resolution:
      'Omit the currency (v1 `currency`, v2 `amount_money.currency`), or send the order’s currency.',
  },
  amount_exceeds_balance: {
    status: 422,
    title: 'Amount exceeds the unpaid balance',
    description:
      'The amount is more than what remains to be paid on the order (payments that are processing count as paid).',
    resolution:
      'Omit the amount (v1 `amount`, v2 `amount_money`) to pay the balance, or send a smaller amount.',
  },
  payment_method_unknown: {
    status: 422,
    title: 'Unknown payment method',
    description:
      'The payment processor does not know this payment-method token (it is well formed, but no such method exists; in the sandbox, only the test tokens in the README exist). Nothing was charged: the payment is recorded as `failed` with `decline_code: payment_method_unknown`, and the order’s balance is free to pay at once.',
    resolution:
      'Pay again with a valid payment method and a new `Idempotency-Key` (the same key replays this answer).',
  },
  refund_exceeds_payment: {
    status: 422,
    title: 'Refund exceeds the payment',
    description:
      'Refunds of a payment, including ones in progress, can never add up to more than it captured.',
    resolution:
      'Omit the amount (v1 `amount`, v2 `amount_money`) to refund the remainder, or send a smaller amount.',
  },
  processor_unavailable: {
    status: 503,
    title: 'Payment processor unavailable',
    description:
      'The payment processor is down or not answering, and the circuit breaker is failing fast. Nothing was charged by this request. `Retry-After` says when to try again.',
    resolution:
      'Retry after `Retry-After` seconds with the same `Idempotency-Key`: the payment resumes where it stopped and cannot be charged twice.',
  },
  idempotency_request_in_progress: {
    status: 409,
    title: 'Request with this Idempotency-Key in progress',
    description:
      'Another request with the same `Idempotency-Key` is still being processed. Nothing was done for this one.',
    resolution:
      'Retry with the same key after the number of seconds in `Retry-After`; once the first request finishes, its response is replayed.',
  },
  precondition_failed: {
    status: 412,
    title: 'Precondition failed',
    description:
      'The `If-Match` header does not match the current `ETag` of the resource: someone changed it since you read it.',
    resolution:
      'GET the resource again, re-apply your change to the fresh version, and retry with its new `ETag`.',
  },
  idempotency_key_reused: {
    status: 422,
    title: 'Idempotency-Key reused with another request',
    description:
      'This `Idempotency-Key` was already used, within its retention window (24 h by default), for a request with a different method, path or body. Nothing was done for this one.',
    resolution:
      'Use a new key for a new operation. When retrying, send exactly the same request as the first time.',
  },
  payload_too_large: {
    status: 413,
    title: 'Request body too large',
    description:
      'The request body exceeds the configured limit (`BODY_LIMIT_BYTES`, 100 KiB by default).',
    resolution: 'Send a smaller body; split large batches into several requests.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    description:
      'Request bodies must be JSON; the `Content-Type` header was missing or something else.',
    resolution:
      'Send `Content-Type: application/json` (no charset, or `charset=utf-8`: JSON is UTF-8, RFC 8259) and a UTF-8 body.',
  },
  rate_limited: {
    status: 429,
    title: 'Too many requests',
    description:
      'The request exceeds a rate-limit policy: requests per API key, writes per API key, requests per client address, or failed authentications per client address (after which that address cannot use authenticated routes for a while, even with a valid key). The `detail` names the policy; `RateLimit-Policy` and `RateLimit` describe the quotas and what is left.',
    resolution:
      'Wait the number of seconds in `Retry-After` before retrying, then pace requests using the `RateLimit` header (`r` requests left within `t` seconds). Fix the credentials of a client that keeps getting 401.',
  },
  request_header_fields_too_large: {
    status: 431,
    title: 'Request headers too large',
    description: 'The request headers exceed the server limit.',
    resolution: 'Send fewer or shorter headers (cookies are a common cause).',
  },
  request_timeout: {
    status: 408,
    title: 'Request timeout',
    description: 'The request was not fully received in time (`REQUEST_TIMEOUT_MS`).',
    resolution: 'Send the whole request promptly; check for a stalled client or proxy.',
  },
  internal_error: {
    status: 500,
    title: 'Internal server error',
    description:
      'Something failed on our side. No details are exposed; the `request_id` lets the operator find the full log entry.',
    resolution: 'Retry later with backoff; if it persists, contact support with the `request_id`.',
  },
  service_unavailable: {
    status: 503,
    title: 'Service unavailable',
    description:
      'The service is shutting down, overloaded, or a dependency it needs (such as the database) is not answering. The `Retry-After` header says when to try again.',
    resolution: 'Retry after the number of seconds in `Retry-After`, with backoff.',
  },
  handler_timeout: {
    status: 503,
    title: 'Request took too long',
    description:
      'The server gave up on the request after `HANDLER_TIMEOUT_MS`. Its effect, if any, is not guaranteed.',
    resolution:
      'Retry after the number of seconds in `Retry-After`; reads are always safe to retry.',
  },
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemCode = keyof typeof problemCatalogue;

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(problemCatalogue, value);
}
