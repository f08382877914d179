import { jsonMedia } from '../../openapi/document.js';
import { isObject } from '../../openapi/json.js';
import { walkSchema } from '../../openapi/schema-walk.js';
import type { Probe } from '../context.js';
import { fail, na, pass } from '../outcome.js';
import { listed } from '../support/targets.js';
import { withoutDocument } from '../support/document.js';

type Style = 'snake_case' | 'camelCase' | 'kebab-case' | 'PascalCase';

/**
 * Media types whose member names a standard fixes, not the API: a linkset's keys are IANA link
 * relation types (RFC 9264: `service-desc`), a JRD's are RFC 7033's. They say nothing of the
 * API's own convention.
 */
const STANDARD_NAMES = /^application\/(linkset|jrd)\+json\b/i;

/** The naming style of a multi-word name; undefined for one word ("email") or odd names. */
export function styleOf(name: string): Style | undefined {
  if (/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) return 'snake_case';
  if (/^[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$/.test(name)) return 'camelCase';
  if (/^[a-z][a-z0-9]*(-[a-z0-9]+)+$/.test(name)) return 'kebab-case';
  if (/^([A-Z][a-z0-9]+){2,}$/.test(name)) return 'PascalCase';
  return undefined;
}

export const naming: Probe = {
  id: 'spec.naming',
  title: 'One naming convention for fields',
  section: 'predictable',
  kind: 'static',
  writes: false,
  rationale:
    'Mixed field casing (created_at beside userName) makes every client guess; one convention makes the API predictable.',
  fix: 'Pick one convention for JSON fields and query parameters (e.g. snake_case) and map to it in one place.',
  plan: ['reads the OpenAPI document'],
  async run(ctx) {
    const none = withoutDocument(ctx);
    if (none) return none;
    const byStyle = new Map<Style, Set<string>>();
    const note = (name: string, where: string) => {
      const style = styleOf(name);
      if (!style) return;
      byStyle.set(style, (byStyle.get(style) ?? new Set()).add(`${name} (${where})`));
    };
    for (const op of ctx.catalog.operations) {
      for (const param of op.parameters.filter((p) => p.in === 'query'))
        note(param.name, `${op.key} query`);
      const holders = [op.requestBody, ...Object.values(op.responses)];
      for (const holder of holders) {
        for (const { type, schema } of jsonMedia(op.document, holder)) {
          if (STANDARD_NAMES.test(type)) continue;
          walkSchema(op.document, schema, '', (node) => {
            if (isObject(node.properties))
              for (const name of Object.keys(node.properties)) note(name, op.key);
          });
        }
      }
    }
    if (byStyle.size === 0) return na('no multi-word field names to compare');
    const ranked = [...byStyle].sort((a, b) => b[1].size - a[1].size);
    const [main, ...others] = ranked;
    if (others.length === 0)
      return pass(`every multi-word field is ${main![0]} (${main![1].size} names)`);
    const details = others.map(([style, names]) => `${style}: ${listed([...names], 5).join(', ')}`);
    return fail(
      `mostly ${main![0]}, but ${others.map(([s, n]) => `${n.size} ${s}`).join(', ')}`,
      details,
    );
  },
};
