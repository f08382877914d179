/**
 * The sandbox processor's state and rules, without HTTP: charges and refunds kept in memory,
 * its own idempotency (one stored response per key, replayed on retries), and the behaviour of
 * each test payment-method token (README "Sandbox payment processor").
 */
import { randomBytes } from 'node:crypto';

export interface ChargeInput {
  amount: number;
  currency: string;
  paymentMethod: string;
  reference: string;
}

export interface RefundInput {
  chargeId: string;
  amount: number;
  reference: string;
}

/** What the HTTP layer does with a request: answer (maybe late), or hold the socket and never answer. */
export type SandboxReply =
  { kind: 'answer'; status: number; body: unknown; delayed?: boolean } | { kind: 'hang' };

type Behaviour =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: 'insufficient_funds' | 'card_declined' }
  | { kind: 'slow' }
  | { kind: 'hang' }
  | { kind: 'error' }
  | { kind: 'flaky'; failures: number };

/** The test tokens; anything else is an unknown payment method (400). */
function behaviourOf(paymentMethod: string): Behaviour | undefined {
  switch (paymentMethod) {
    case 'pm_card_visa':
      return { kind: 'succeed' };
    case 'pm_card_insufficient_funds':
      return { kind: 'decline', code: 'insufficient_funds' };
    case 'pm_card_declined':
      return { kind: 'decline', code: 'card_declined' };
    case 'pm_card_slow':
      return { kind: 'slow' };
    case 'pm_card_timeout':
      return { kind: 'hang' };
    case 'pm_card_error':
      return { kind: 'error' };
  }
  const flaky = /^pm_card_flaky_([1-9])$/.exec(paymentMethod);
  return flaky ? { kind: 'flaky', failures: Number(flaky[1]) } : undefined;
}

interface ChargeRecord {
  id: string;
  object: 'charge';
  status: 'succeeded' | 'declined';
  decline_code?: 'insufficient_funds' | 'card_declined';
  amount: number;
  currency: string;
  reference: string;
  amount_refunded: number;
}

interface RefundRecord {
  id: string;
  object: 'refund';
  status: 'succeeded';
  charge_id: string;
  amount: number;
  reference: string;
}

/** What was first done under one idempotency key: the request's fingerprint and the stored object. */
interface Stored<T> {
  fingerprint: string;
  object: T;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export const problem = (
  status: number,
  type: string,
  message: string,
  extra: { code?: string; param?: string } = {},
): SandboxReply => ({
  kind: 'answer',
  status,
  body: { error: { type, message, ...extra } },
});

const IDEMPOTENCY_CONFLICT = problem(
  422,
  'idempotency_error',
  'This Idempotency-Key was already used with a different request body.',
);

/**
 * How many charges and refunds the sandbox remembers (each kind). It runs inside the API process
 * when PAYMENT_PROCESSOR_URL is unset, so an unbounded ledger is a leak (~550 B per payment,
 * issue 20 §11); real processors also forget idempotency keys after a while (Stripe: 24 h).
 */
export const DEFAULT_LEDGER_CAPACITY = 10_000;

/** Drops the oldest entries of `map` (insertion order) beyond `max`, telling `evicted` about each. */
function trimOldest<K, V>(map: Map<K, V>, max: number, evicted?: (key: K, value: V) => void) {
  while (map.size > max) {
    const [key, value] = map.entries().next().value as [K, V];
    map.delete(key);
    evicted?.(key, value);
  }
}

export interface LedgerOptions {
  /** Charges and refunds remembered (each); the oldest are forgotten first. */
  capacity?: number;
}

export function createLedger(options: LedgerOptions = {}) {
  const capacity = options.capacity ?? DEFAULT_LEDGER_CAPACITY;
  const charges = new Map<string, Stored<ChargeRecord>>();
  const chargesById = new Map<string, ChargeRecord>();
  const refunds = new Map<string, Stored<RefundRecord>>();
  const chargesPerKey = new Map<string, number>();
  const flakyFailures = new Map<string, number>();

  function recordCharge(key: string, input: ChargeInput, fingerprint: string, status: Behaviour) {
    const charge: ChargeRecord = {
      id: newId('ch'),
      object: 'charge',
      status: status.kind === 'decline' ? 'declined' : 'succeeded',
      ...(status.kind === 'decline' ? { decline_code: status.code } : {}),
      amount: input.amount,
      currency: input.currency,
      reference: input.reference,
      amount_refunded: 0,
    };
    charges.set(key, { fingerprint, object: charge });
    chargesById.set(charge.id, charge);
    chargesPerKey.set(key, (chargesPerKey.get(key) ?? 0) + 1);
    flakyFailures.delete(key);
    trimOldest(charges, capacity, (oldKey, stored) => {
      chargesById.delete(stored.object.id);
      chargesPerKey.delete(oldKey);
    });
    return charge;
  }

  function createCharge(key: string, input: ChargeInput): SandboxReply {
    const behaviour = behaviourOf(input.paymentMethod);
    const fingerprint = JSON.stringify([
      input.amount,
      input.currency,
      input.paymentMethod,
      input.reference,
    ]);
    const stored = charges.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) return IDEMPOTENCY_CONFLICT;
      // A replay: the stored charge, at once; a stuck token stays stuck on every attempt.
      if (behaviour?.kind === 'hang') return { kind: 'hang' };
      return { kind: 'answer', status: 201, body: stored.object };
    }
    if (!behaviour) {
      return problem(400, 'invalid_request_error', 'No such payment_method; use a test token.', {
        code: 'payment_method_unknown',
        param: 'payment_method',
      });
    }
    if (behaviour.kind === 'error') {
      return problem(500, 'api_error', 'The sandbox failed on purpose (pm_card_error).');
    }
    if (behaviour.kind === 'flaky') {
      const failed = flakyFailures.get(key) ?? 0;
      if (failed < behaviour.failures) {
        flakyFailures.set(key, failed + 1);
        trimOldest(flakyFailures, capacity);
        return problem(503, 'api_error', 'Temporarily unavailable (pm_card_flaky_N).');
      }
    }
    const charge = recordCharge(key, input, fingerprint, behaviour);
    if (behaviour.kind === 'hang') return { kind: 'hang' };
    return { kind: 'answer', status: 201, body: charge, delayed: behaviour.kind === 'slow' };
  }

  function createRefund(key: string, input: RefundInput): SandboxReply {
    const fingerprint = JSON.stringify([input.chargeId, input.amount, input.reference]);
    const stored = refunds.get(key);
    if (stored) {
      if (stored.fingerprint !== fingerprint) return IDEMPOTENCY_CONFLICT;
      return { kind: 'answer', status: 201, body: stored.object };
    }
    const charge = chargesById.get(input.chargeId);
    if (!charge) return problem(404, 'resource_missing', 'No such charge.');
    if (charge.status !== 'succeeded') {
      return problem(422, 'charge_not_refundable', 'Only a succeeded charge can be refunded.');
    }
    if (input.amount > charge.amount - charge.amount_refunded) {
      return problem(422, 'amount_too_large', "The refund exceeds the charge's remaining amount.");
    }
    charge.amount_refunded += input.amount;
    const refund: RefundRecord = {
      id: newId('re'),
      object: 'refund',
      status: 'succeeded',
      charge_id: charge.id,
      amount: input.amount,
      reference: input.reference,
    };
    refunds.set(key, { fingerprint, object: refund });
    trimOldest(refunds, capacity);
    return { kind: 'answer', status: 201, body: refund };
  }

  return {
    createCharge,
    createRefund,
    findCharge: (key: string) => charges.get(key)?.object,
    findRefund: (key: string) => refunds.get(key)?.object,
    chargeCount: () => chargesById.size,
    refundCount: () => refunds.size,
    chargesFor: (key: string) => chargesPerKey.get(key) ?? 0,
  };
}

export type Ledger = ReturnType<typeof createLedger>;
