import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, Outcome } from './client.js';

/** A tenant's API key and one of its users (orders need a user). */
export interface Actor {
  key: string;
  userId: string;
}

export interface LoadPlan {
  client: Client;
  /** Concurrent request loops. */
  workers: number;
  /** Reads go here: the key's read quota is set high in the topology. */
  reader: Actor;
  /** Writes rotate over these, so no key reaches its (deliberately low) write quota. */
  writers: Actor[];
  /** Every n-th request of a worker is a POST /v1/orders; the others are GETs. */
  writeEvery: number;
  /** Pause between two requests of one worker: steady, modest load on a shared 2-core machine. */
  pauseMs: number;
  /** Hard bound on requests, whatever happens. */
  maxRequests: number;
}

/** A write the load sent: what it asked for, under which key, and what came back. */
export interface Write {
  outcome: Outcome;
  idempotencyKey: string;
  writer: Actor;
  body: unknown;
}

export const ORDER_ITEMS = [
  { name: 'Notebook', quantity: 1, unit_amount: 100 },
  { name: 'Pen', quantity: 2, unit_amount: 250 },
];

/**
 * Steady traffic through the load balancer: mostly reads (order list, one user), and writes
 * (orders, each with its own Idempotency-Key). Every answer is recorded as the client saw it.
 */
export function startLoad(plan: LoadPlan) {
  const outcomes: Outcome[] = [];
  const writes: Write[] = [];
  let running = true;
  let issued = 0;
  let writerTurn = 0;

  async function once(worker: number, n: number): Promise<void> {
    if ((n + worker) % plan.writeEvery === 0) {
      const writer = plan.writers[writerTurn++ % plan.writers.length]!;
      const idempotencyKey = randomUUID();
      const body = { user_id: writer.userId, currency: 'EUR', items: ORDER_ITEMS };
      const outcome = await plan.client.send('POST', '/v1/orders', {
        key: writer.key,
        body,
        headers: { 'idempotency-key': idempotencyKey },
      });
      outcomes.push(outcome);
      writes.push({ outcome, idempotencyKey, writer, body });
    } else {
      const path = n % 2 === 0 ? '/v1/orders?limit=5' : `/v1/users/${plan.reader.userId}`;
      outcomes.push(await plan.client.send('GET', path, { key: plan.reader.key }));
    }
  }

  const loops = Array.from({ length: plan.workers }, async (_, worker) => {
    for (let n = 0; running && issued < plan.maxRequests; n++) {
      issued += 1;
      await once(worker, n);
      await sleep(plan.pauseMs);
    }
  });

  return {
    outcomes,
    writes,
    /** Resolves once `count` more answers have come in; rejects after `timeoutMs`. */
    async progress(count: number, timeoutMs = 30_000): Promise<void> {
      const target = outcomes.length + count;
      const deadline = Date.now() + timeoutMs;
      while (outcomes.length < target) {
        if (Date.now() > deadline || issued >= plan.maxRequests) {
          throw new Error(`load: ${outcomes.length}/${target} answers (limit ${plan.maxRequests})`);
        }
        await sleep(20);
      }
    },
    /** Stops issuing requests and resolves once every loop has its last answer. */
    async stop(): Promise<Outcome[]> {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** True for an answer a client counts as success. */
export const succeeded = (o: Outcome) =>
  o.status !== undefined && o.status >= 200 && o.status < 300;
