import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type Fixture } from './fixtures/listen.js';
import { runCommand } from './support/cli.js';

/*
 * What npm would publish, installed the way a user installs it: `npm pack`, then `npm install
 * <tarball>` in an empty project, then the installed bin run against a fixture. Catches a
 * package that only works inside this repository (tsx, src/, workspace links).
 */
const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir: string;
let files: string[];
let bin: string;
let api: Fixture;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'steadfast-check-pack-'));
  const pack = spawnSync(NPM, ['pack', '--json', '--pack-destination', dir], {
    cwd: PACKAGE_DIR,
    encoding: 'utf8',
  });
  if (pack.status !== 0) throw new Error(`npm pack failed (${pack.status}):\n${pack.stderr}`);
  const packed = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  files = packed[0]!.files.map((f) => f.path);
  const project = join(dir, 'project');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), '{"name":"pack-test","private":true}\n');
  execFileSync(
    NPM,
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed[0]!.filename)],
    { cwd: project, stdio: 'ignore' },
  );
  bin = join(project, 'node_modules', '.bin', 'steadfast-check');
  api = await listen((req, res) => {
    res.writeHead(req.url === '/items' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(req.url === '/items' ? '[{"id":1}]' : '{"title":"Not Found"}');
  });
}, 240_000);

afterAll(async () => {
  await api?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the published package', () => {
  it('ships the compiled code, LICENSE and README, and no source or source maps', () => {
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files).toContain('dist/cli.js');
    expect(files.filter((f) => f.startsWith('src/') || f.endsWith('.map'))).toEqual([]);
  });

  it('installs and runs from an empty project', async () => {
    const version = await runCommand(bin, ['-V']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const run = await runCommand(bin, [api.url, '--resource', '/items', '-f', 'json', '--quiet']);
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as { format: string; probes: unknown[] };
    expect(report.format).toBe('steadfast-check/report@1');
    expect(report.probes.length).toBeGreaterThan(20);
    expect(readdirSync(join(dir, 'project', 'node_modules', 'steadfast-check'))).not.toContain(
      'src',
    );
  });
});
