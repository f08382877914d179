import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type StartedProcess } from './processes.js';

export interface NginxSite {
  /** `host:port` of the TLS listener. */
  listen: string;
  serverName: string;
  certFile: string;
  keyFile: string;
  /** PUBLIC_BASE_URL of the instances: the `type` URIs of nginx's own problems use it. */
  publicBaseUrl: string;
  /** `host:port` of every API instance. */
  upstreams: string[];
  /** Passive health checks: failed attempts within failTimeoutSeconds that take an instance out. */
  maxFails: number;
  /** …and for how long it stays out before one request probes it again. */
  failTimeoutSeconds: number;
  accessLog: string;
}

const PLACEHOLDER = /\$\{(STEADFAST_[A-Z_]+)\}/g;

/**
 * Fills `${STEADFAST_*}` placeholders, the way the nginx image's envsubst step does in
 * compose.yaml; nginx's own `$variables` are left alone. A placeholder without a value is an error,
 * not an empty string in a config that would then half-work.
 */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx template: no value for ${name}`);
    return value;
  });
}

/** The `server` lines of the upstream block, one per instance. */
export function upstreamServers(
  site: Pick<NginxSite, 'upstreams' | 'maxFails' | 'failTimeoutSeconds'>,
) {
  return site.upstreams
    .map(
      (address) =>
        `server ${address} max_fails=${site.maxFails} fail_timeout=${site.failTimeoutSeconds}s;`,
    )
    .join(' ');
}

/** deploy/nginx/steadfast.conf.template with this site's values. */
export function renderSite(repoDir: string, site: NginxSite): string {
  const template = readFileSync(join(repoDir, 'deploy/nginx/steadfast.conf.template'), 'utf8');
  return fillTemplate(template, {
    STEADFAST_LISTEN: site.listen,
    STEADFAST_SERVER_NAME: site.serverName,
    STEADFAST_TLS_CERT: site.certFile,
    STEADFAST_TLS_KEY: site.keyFile,
    STEADFAST_PUBLIC_BASE_URL: site.publicBaseUrl,
    STEADFAST_UPSTREAM_SERVERS: upstreamServers(site),
    STEADFAST_ACCESS_LOG: site.accessLog,
  });
}

/**
 * The main-context file a packaged nginx would have in /etc/nginx/nginx.conf, pointing every path
 * (pid, logs, temp files) into `dir` so this nginx shares nothing with the machine's own.
 */
function mainConfig(dir: string, errorLog: string): string {
  const temp = (name: string) => join(dir, 'temp', name);
  return [
    '# Rendered by deploy/staging/nginx.ts; the site itself is steadfast.conf.',
    'worker_processes 2;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '    default_type application/octet-stream;',
    `    client_body_temp_path ${temp('body')};`,
    `    proxy_temp_path ${temp('proxy')};`,
    `    fastcgi_temp_path ${temp('fastcgi')};`,
    `    uwsgi_temp_path ${temp('uwsgi')};`,
    `    scgi_temp_path ${temp('scgi')};`,
    `    include ${join(dir, 'steadfast.conf')};`,
    '}',
    '',
  ].join('\n');
}

/** The nginx binary: on PATH, or where Debian puts it (/usr/sbin is not on every user's PATH). */
export function nginxBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin')) {
    const candidate = join(dir, 'nginx');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Writes nginx.conf and steadfast.conf into `dir` and checks them with `nginx -t`; returns the
 * arguments that run nginx with them. Throws with nginx's own message when the check fails.
 */
export function writeNginxConfig(
  repoDir: string,
  dir: string,
  site: NginxSite,
  errorLog: string,
): { binary: string; args: string[] } {
  const binary = nginxBinary();
  if (binary === undefined) throw new Error('nginx is not installed (apt-get install nginx-light)');
  // Workers drop root privileges; they must be able to reach their temp directories.
  mkdirSync(join(dir, 'temp'), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, 'steadfast.conf'), renderSite(repoDir, site));
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, mainConfig(dir, errorLog));
  const args = ['-p', dir, '-c', config, '-e', errorLog];
  try {
    execFileSync(binary, [...args, '-t', '-q'], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`nginx -t rejected ${config}:\n${stderr}`, { cause: error });
  }
  return { binary, args };
}

/** Writes and checks the configuration, then runs nginx in the foreground of its own process. */
export async function startNginx(
  repoDir: string,
  dir: string,
  site: NginxSite,
  options: { detached: boolean; logFile: string },
): Promise<StartedProcess> {
  const { binary, args } = writeNginxConfig(repoDir, dir, site, options.logFile);
  // daemon off: the pid we start is nginx's master, the one to signal later.
  return startProcess('nginx', binary, [...args, '-g', 'daemon off;'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logFile: options.logFile,
    detached: options.detached,
  });
}
