import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fillTemplate } from '../../../../deploy/staging/nginx.js';
import { loadConfig } from '../../src/config/index.js';
import { REPO_DIR } from '../staging/support.js';

/*
 * Docker does not run on the machines this suite runs on, so compose.yaml and the Dockerfile are
 * checked for what can go wrong without it: references between services, values the API's own
 * configuration loader accepts, mounts and build inputs that exist, and the nginx template filled
 * from the environment compose gives it.
 */

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  networks?: string[] | Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(REPO_DIR, path), 'utf8');
// compose.yaml uses YAML merge keys (<<) for the shared API definition.
const compose = parse(read('compose.yaml'), { merge: true }) as Compose;
const services = compose.services;
const apiNames = Object.keys(services).filter((name) => /^api-\d+$/.test(name));
const api = services[apiNames[0]!]!;
/** compose's `${NAME:-default}` interpolation, with every variable unset. */
const interpolate = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
const envOf = (service: Service) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
  );

describe('compose.yaml', () => {
  it('runs two API instances behind nginx, with PostgreSQL, Redis, the sandbox and Prometheus', () => {
    expect(apiNames).toEqual(['api-1', 'api-2']);
    for (const name of ['postgres', 'redis', 'sandbox', 'migrate', 'nginx', 'prometheus', 'tls'])
      expect(services[name], name).toBeDefined();
  });

  it('depends only on services it defines', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(services[dependency], `${name} → ${dependency}`).toBeDefined();
    }
  });

  it('gives the API instances a configuration the API accepts, pointing at the other services', () => {
    for (const name of apiNames) {
      const env = envOf(services[name]!);
      const config = loadConfig(env);
      expect(config.env).toBe('production');
      expect(config.migrateOnStart).toBe(false);
      const database = new URL(config.databaseUrl);
      const postgres = envOf(services.postgres!);
      expect(database.hostname).toBe('postgres');
      expect(database.username).toBe(postgres.POSTGRES_USER);
      expect(database.password).toBe(postgres.POSTGRES_PASSWORD);
      expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      expect(envOf(services.migrate!).DATABASE_URL).toBe(config.databaseUrl);
      expect(new URL(config.redis!.url).hostname).toBe('redis');
      const processor = new URL(config.processor.url!);
      expect(processor.hostname).toBe('sandbox');
      expect(services.sandbox!.command).toContain(processor.port);
      // Only nginx may set X-Forwarded-*: its fixed address on the backend network.
      const nginxNetworks = services.nginx!.networks as Record<string, { ipv4_address: string }>;
      expect(config.trustProxy).toBe(nginxNetworks.backend!.ipv4_address);
      expect(config.publicBaseUrl).toBe(envOf(services.nginx!).STEADFAST_PUBLIC_BASE_URL);
    }
  });

  it('fills every placeholder of the nginx template, with one upstream per instance', () => {
    const nginx = services.nginx!;
    const env = envOf(nginx);
    expect(nginx.volumes).toContain(
      './deploy/nginx/steadfast.conf.template:/etc/nginx/templates/steadfast.conf.template:ro',
    );
    const rendered = fillTemplate(read('deploy/nginx/steadfast.conf.template'), env);
    for (const name of apiNames) {
      expect(rendered).toContain(`server ${name}:${envOf(services[name]!).PORT} max_fails=`);
    }
    expect(env.STEADFAST_UPSTREAM_SERVERS!.match(/server /g)).toHaveLength(apiNames.length);
    for (const name of ['api-1', 'api-2', 'tls'])
      expect(nginx.depends_on?.[name], name).toBeDefined();
  });

  it('has Prometheus scrape every instance in the job the alerts expect', () => {
    const prometheus = parse(read('deploy/compose/prometheus.yml')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      rule_files: string[];
    };
    const job = prometheus.scrape_configs.find((c) => c.job_name === 'steadfast');
    expect(job?.static_configs.flatMap((c) => c.targets).sort()).toEqual(
      apiNames.map((name) => `${name}:${envOf(services[name]!).METRICS_PORT}`),
    );
    const mounted = services.prometheus!.volumes!.join('\n');
    for (const file of prometheus.rule_files) expect(mounted).toContain(`/etc/prometheus/${file}`);
  });

  it('mounts files that exist and declares its named volumes and networks', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(REPO_DIR, source)), volume).toBe(true);
        else expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source);
      }
      const networks = Array.isArray(service.networks)
        ? service.networks
        : Object.keys(service.networks ?? {});
      for (const network of networks) expect(compose.networks).toHaveProperty(network);
    }
  });

  it('runs entry points the API build produces', () => {
    const entries = [api.command ?? ['node', 'dist/main.js'], services.migrate!.command!];
    entries.push(services.sandbox!.command!);
    for (const [, script] of entries) {
      const source = script!.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
      expect(existsSync(join(REPO_DIR, 'packages/api', source)), source).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const root = JSON.parse(read('package.json')) as { workspaces: string[] };

  it('builds in stages and runs as an unprivileged user with production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
  });

  it('runs the Node.js major that CI tests on, and labels the image', () => {
    const major = read('.node-version').trim().split('.')[0];
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${major}-bookworm-slim$`, 'm'));
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.revision=/);
  });

  it('ships without pino-pretty: no production dependency of the API pulls it in', () => {
    const api = JSON.parse(read('packages/api/package.json')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(api.dependencies['pino-pretty']).toBeUndefined();
    expect(api.devDependencies['pino-pretty']).toBeDefined();
    // `npm ls` exits 1 when the package is nowhere in the tree, which is the answer we want.
    const ls = spawnSync(
      'npm',
      ['ls', 'pino-pretty', '--omit=dev', '--all', '--json', '-w', '@steadfast/api'],
      { cwd: REPO_DIR, encoding: 'utf8' },
    );
    expect(JSON.parse(ls.stdout)).toEqual({ name: 'steadfast' });
    // The same command does find it among the development dependencies.
    const dev = spawnSync('npm', ['ls', 'pino-pretty', '--all', '--json', '-w', '@steadfast/api'], {
      cwd: REPO_DIR,
      encoding: 'utf8',
    });
    expect(dev.stdout).toContain('pino-pretty');
  });

  it('copies every workspace manifest (npm ci checks the lockfile against all of them)', () => {
    for (const workspace of root.workspaces) {
      expect(dockerfile).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    }
  });

  it('copies only paths that exist', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      m[1]!.split(' ').filter((part) => !part.startsWith('--')),
    );
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(join(REPO_DIR, source)), source).toBe(true);
  });
});
