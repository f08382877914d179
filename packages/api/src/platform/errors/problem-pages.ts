import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { problemCatalogue, isProblemCode, type ProblemDefinition } from './catalogue.js';
import { ApiError } from './api-error.js';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Inline `code` spans in catalogue prose, after escaping. */
const renderProse = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2330}code{background:#eef1f5;padding:0 .25rem;border-radius:3px}a{color:#1f5fbf}';

/** The pages carry their own inline style and nothing else: no scripts, no remote loads. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body>${body}</body></html>`;
}

function problemSection(code: string, definition: ProblemDefinition): string {
  return `<h1>${escapeHtml(definition.title)}</h1><p><code>code: ${code}</code> · HTTP ${definition.status}</p><h2>What it means</h2><p>${renderProse(definition.description)}</p><h2>What to do</h2><p>${renderProse(definition.resolution)}</p><p><a href="./">All errors</a></p>`;
}

function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', PAGE_CSP)
    .send(html);
}

/** Serves the human pages that problem `type` URIs point to. */
export function registerProblemPages(app: FastifyInstance): void {
  const hidden = { hide: true };
  app.get('/problems/', { schema: hidden }, async (_request, reply) => {
    const items = Object.entries(problemCatalogue)
      .map(
        ([code, d]) =>
          `<li><a href="./${code}">${code}</a> (${d.status}): ${escapeHtml(d.title)}</li>`,
      )
      .join('');
    return sendHtml(
      reply,
      page('Steadfast API errors', `<h1>Error catalogue</h1><ul>${items}</ul>`),
    );
  });
  app.get(
    '/problems/:code',
    {
      schema: {
        ...hidden,
        params: Type.Object(
          { code: Type.String({ maxLength: 64 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { code } = request.params as { code: string };
      if (!isProblemCode(code))
        throw new ApiError('not_found', `No error code '${code}' is documented.`);
      return sendHtml(
        reply,
        page(problemCatalogue[code].title, problemSection(code, problemCatalogue[code])),
      );
    },
  );
}
