import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCertificate } from '../../../../deploy/staging/certificate.js';
import {
  fillTemplate,
  nginxBinary,
  renderSite,
  writeNginxConfig,
  type NginxSite,
} from '../../../../deploy/staging/nginx.js';
import {
  renderPrometheusConfig,
  repositoryRuleFiles,
} from '../../../../deploy/staging/prometheus.js';
import { REPO_DIR } from '../staging/support.js';

const dir = mkdtempSync(join(tmpdir(), 'steadfast-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const site = (overrides: Partial<NginxSite> = {}): NginxSite => ({
  listen: '127.0.0.1:8443',
  serverName: 'localhost',
  certFile: join(dir, 'tls/cert.pem'),
  keyFile: join(dir, 'tls/key.pem'),
  publicBaseUrl: 'https://localhost:8443',
  upstreams: ['127.0.0.1:3101', '127.0.0.1:3102'],
  maxFails: 1,
  failTimeoutSeconds: 2,
  accessLog: join(dir, 'access.log'),
  ...overrides,
});

const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

describe('the nginx template (deploy/nginx/steadfast.conf.template)', () => {
  it('fills ${STEADFAST_*} placeholders and leaves nginx variables alone', () => {
    expect(fillTemplate('a ${STEADFAST_X} $host ${request_id}', { STEADFAST_X: 'b' })).toBe(
      'a b $host ${request_id}',
    );
    expect(() => fillTemplate('${STEADFAST_MISSING}', {})).toThrow('STEADFAST_MISSING');
  });

  it('renders one server line per instance, passive health checks included', () => {
    const rendered = renderSite(REPO_DIR, site());
    expect(rendered).not.toMatch(/\$\{STEADFAST_/);
    expect(rendered).toContain(
      'server 127.0.0.1:3101 max_fails=1 fail_timeout=2s; server 127.0.0.1:3102 max_fails=1 fail_timeout=2s;',
    );
    // Only idempotent requests are retried on another instance.
    expect(rendered).toMatch(/proxy_next_upstream error timeout http_502 http_504;/);
    expect(rendered).not.toMatch(/^\s*proxy_next_upstream\b.*non_idempotent/m);
  });

  it.skipIf(nginxBinary() === undefined)('passes nginx -t', () => {
    const tls = generateCertificate(join(dir, 'tls'));
    expect(() =>
      writeNginxConfig(
        REPO_DIR,
        join(dir, 'nginx'),
        site({ certFile: tls.certFile, keyFile: tls.keyFile }),
        join(dir, 'error.log'),
      ),
    ).not.toThrow();
  });

  it.skipIf(nginxBinary() === undefined)('fails loudly on a broken value', () => {
    expect(() =>
      writeNginxConfig(
        REPO_DIR,
        join(dir, 'broken'),
        site({ certFile: join(dir, 'missing.pem') }),
        join(dir, 'error.log'),
      ),
    ).toThrow(/nginx -t rejected/);
  });
});

describe.skipIf(promtool === undefined)('the staging Prometheus configuration', () => {
  it('passes promtool with the repository rules and alerts, one target per instance', () => {
    const rules = repositoryRuleFiles(REPO_DIR);
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, renderPrometheusConfig(['127.0.0.1:9465', '127.0.0.1:9466'], rules));
    const output = execFileSync(promtool!, ['check', 'config', file], { encoding: 'utf8' });
    expect(output).toContain('is valid prometheus config file syntax');
    expect(readFileSync(file, 'utf8')).toContain('"127.0.0.1:9465", "127.0.0.1:9466"');
  });
});
