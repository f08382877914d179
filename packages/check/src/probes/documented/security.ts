import { isPublic } from '../../openapi/document.js';
import { derefObject, isObject } from '../../openapi/json.js';
import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { listed } from '../support/targets.js';
import { withoutDocument } from '../support/document.js';

const WRITES = new Set(['post', 'put', 'patch', 'delete']);

export const security: Probe = {
  id: 'spec.security',
  title: 'Security declared on every operation',
  section: 'documented',
  kind: 'static',
  writes: false,
  rationale:
    'Undeclared security means generated clients send no credentials and reviewers cannot tell public operations from forgotten ones.',
  fix: 'Define components.securitySchemes, set a document-wide `security`, and mark deliberately public operations with `security: []`.',
  plan: ['reads the OpenAPI document'],
  async run(ctx) {
    const none = withoutDocument(ctx);
    if (none) return none;
    const findings = new Findings();
    for (const doc of ctx.catalog.documents) {
      const components = derefObject(doc.raw, doc.raw.components);
      const schemes = isObject(components?.securitySchemes)
        ? Object.keys(components.securitySchemes)
        : [];
      if (schemes.length === 0)
        findings.add('fail', `${doc.source}: no components.securitySchemes`);
      const undeclared: string[] = [];
      const unknown: string[] = [];
      const publicWrites: string[] = [];
      for (const op of ctx.catalog.operations.filter((o) => o.document === doc)) {
        if (op.securitySource === 'none') undeclared.push(op.key);
        for (const requirement of op.security ?? []) {
          for (const name of Object.keys(requirement)) {
            if (!schemes.includes(name)) unknown.push(`${op.key}: "${name}"`);
          }
        }
        if (WRITES.has(op.method) && isPublic(op)) publicWrites.push(op.key);
      }
      if (undeclared.length > 0) {
        findings.add(
          'fail',
          `${undeclared.length} operation(s) declare no security: ${listed(undeclared, 5).join(', ')}`,
        );
      }
      if (unknown.length > 0) {
        findings.add('fail', `unknown security schemes: ${listed(unknown, 5).join(', ')}`);
      }
      if (publicWrites.length > 0) {
        findings.add(
          'warn',
          `write operations declared public: ${listed(publicWrites, 5).join(', ')}`,
        );
      }
      if (schemes.length > 0 && undeclared.length === 0 && unknown.length === 0) {
        findings.add(
          'pass',
          `${doc.source}: schemes ${schemes.join(', ')}; every operation declares its security`,
        );
      }
    }
    return findings.outcome({ pass: 'every operation declares its security' });
  },
};
