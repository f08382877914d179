import { randomBytes } from 'node:crypto';
import type { HttpClient, ProbeHttp, Reply } from '../http/client.js';
import { isObject } from '../openapi/json.js';
import { requestSample, uniquify } from '../openapi/samples.js';
import { itemUrl, type Resource } from './catalog.js';

/** A record this run created, to be deleted at the end. */
interface CreatedRecord {
  resource: Resource;
  id: string;
  as: 'a' | 'b';
}

/** The id of the record a create answered with: `id` in the body, else the Location's last segment. */
export function recordId(reply: Reply): string | undefined {
  const body = reply.json;
  const fromBody = (value: unknown) =>
    isObject(value) && (typeof value.id === 'string' || typeof value.id === 'number')
      ? String(value.id)
      : undefined;
  const id = fromBody(body) ?? (isObject(body) ? fromBody(body.data) : undefined);
  if (id) return id;
  const location = reply.header('location');
  if (!location) return undefined;
  try {
    const segment = new URL(location, 'http://placeholder.invalid').pathname.split('/').pop();
    return segment ? decodeURIComponent(segment) : undefined;
  } catch {
    return undefined;
  }
}

/** String fields of a create body that a 409 answer names (by field name). */
export function conflictingFields(body: unknown, answer: string): string[] {
  if (!isObject(body)) return [];
  const text = answer.slice(0, 4096);
  return Object.entries(body)
    .filter(
      ([name, value]) =>
        typeof value === 'string' &&
        /^\w+$/.test(name) &&
        new RegExp(`\\b${name}\\b`, 'i').test(text),
    )
    .map(([name]) => name);
}

/** The body a create on `resource` sends: the documented example, made unique for this run. */
export function createBody(resource: Resource, nonce: string): unknown {
  const sample = resource.create ? requestSample(resource.create) : undefined;
  return uniquify(sample?.body ?? {}, nonce);
}

/**
 * Records the run creates: every write probe creates its own records (it never changes data it
 * did not create), and all of them are deleted when the run ends, where the API allows it.
 */
export class CreatedRecords {
  private readonly records: CreatedRecord[] = [];

  constructor(private readonly client: HttpClient) {}

  /** POSTs a record to `resource` and tracks it for deletion when the create succeeded. */
  async create(
    http: ProbeHttp,
    resource: Resource,
    options: { as?: 'a' | 'b'; nonce?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ reply: Reply; id: string | undefined; body: unknown }> {
    let body =
      options.body ?? createBody(resource, options.nonce ?? randomBytes(4).toString('hex'));
    let reply = await this.post(http, resource, body, options);
    // A 409 that names fields of the body (`"ref" already exists`): they carry a uniqueness
    // constraint the document did not state. Make them unique and try once more, unless the
    // caller set its own Idempotency-Key (a second body under one key is what it tests).
    const conflicting = reply.status === 409 ? conflictingFields(body, reply.text) : [];
    if (conflicting.length > 0 && !options.headers?.['idempotency-key']) {
      const nonce = randomBytes(4).toString('hex');
      body = {
        ...(body as Record<string, unknown>),
        ...Object.fromEntries(
          conflicting.map((name) => [
            name,
            `${String((body as Record<string, unknown>)[name])}-${nonce}`,
          ]),
        ),
      };
      reply = await this.post(http, resource, body, options);
    }
    const id = reply.status >= 200 && reply.status < 300 ? recordId(reply) : undefined;
    if (id) this.track(resource, id, options.as ?? 'a');
    return { reply, id, body };
  }

  private post(
    http: ProbeHttp,
    resource: Resource,
    body: unknown,
    options: { as?: 'a' | 'b'; headers?: Record<string, string> },
  ): Promise<Reply> {
    return http.send({
      method: 'POST',
      path: resource.listPath,
      as: options.as ?? 'a',
      // A key of its own on every create: APIs that require one accept it, and a retry of ours
      // could never create twice.
      headers: {
        'content-type': 'application/json',
        'idempotency-key': `steadfast-check-${randomBytes(8).toString('hex')}`,
        ...options.headers,
      },
      body: JSON.stringify(body),
    });
  }

  /** Remembers a record created outside `create` (e.g. a replayed POST). */
  track(resource: Resource, id: string, as: 'a' | 'b'): void {
    if (!this.records.some((record) => record.id === id && record.resource === resource)) {
      this.records.push({ resource, id, as });
    }
  }

  get count(): number {
    return this.records.length;
  }

  /** Deletes every tracked record; returns a note for each one that could not be deleted. */
  async cleanup(): Promise<string[]> {
    const notes: string[] = [];
    for (const record of this.records.splice(0)) {
      const { resource } = record;
      if (!resource.itemPath || (!resource.remove && !resource.guessed)) {
        notes.push(`left ${record.id} in ${resource.listPath}: the API documents no DELETE for it`);
        continue;
      }
      const path = itemUrl(resource.itemPath, record.id);
      try {
        const reply = await this.client.send('cleanup', {
          method: 'DELETE',
          path,
          as: record.as,
          purpose: 'cleanup',
          scan: false,
        });
        if (reply.status >= 300 && reply.status !== 404 && reply.status !== 410) {
          notes.push(`could not delete ${path}: HTTP ${reply.status}`);
        }
      } catch (error) {
        notes.push(`could not delete ${path}: ${(error as Error).message}`);
      }
    }
    return notes;
  }
}
