import { parseArgs } from 'node:util';
import { AmbiguousCredential, parseCredential } from '../http/credentials.js';
import { DEFAULTS, type CheckOptions } from '../run/options.js';

/** Report formats. */
export type Format = 'text' | 'json' | 'junit' | 'sarif' | 'html';
const FORMATS: readonly Format[] = ['text', 'json', 'junit', 'sarif', 'html'];

/** A bad command line: the message says what is wrong. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What the command line asks for. */
export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'list-probes'; format: Format }
  | {
      kind: 'run';
      options: CheckOptions;
      dryRun: boolean;
      format: Format;
      outputs: { file: string; format: Format }[];
      failUnder: number | undefined;
      /** Exit 1 on any probe at this severity or worse. */
      failSeverity: 'fail' | 'warn' | undefined;
      quiet: boolean;
    };

const OPTIONS = {
  openapi: { type: 'string', multiple: true },
  auth: { type: 'string' },
  'auth-b': { type: 'string' },
  resource: { type: 'string', multiple: true },
  'page-param': { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  'allow-writes': { type: 'boolean' },
  'allow-writes-on': { type: 'string', multiple: true },
  'max-requests': { type: 'string' },
  rps: { type: 'string' },
  'time-budget': { type: 'string' },
  timeout: { type: 'string' },
  burst: { type: 'string' },
  'max-body': { type: 'string' },
  'max-pages': { type: 'string' },
  'dry-run': { type: 'boolean' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', multiple: true, short: 'o' },
  'fail-under': { type: 'string' },
  'fail-severity': { type: 'string' },
  only: { type: 'string', multiple: true },
  skip: { type: 'string', multiple: true },
  'list-probes': { type: 'boolean' },
  quiet: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

/** --fail-severity: fail or warn. */
function failSeverity(raw: string | undefined): 'fail' | 'warn' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'fail' || raw === 'warn') return raw;
  throw new UsageError(`--fail-severity must be fail or warn, got "${raw}"`);
}

function number(
  raw: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
  integer = true,
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  ) {
    throw new UsageError(
      `--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`,
    );
  }
  return value;
}

function format(raw: string | undefined): Format {
  if (raw === undefined) return 'text';
  if (!(FORMATS as readonly string[]).includes(raw)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${raw}"`);
  }
  return raw as Format;
}

/** The report format a file name asks for. */
export function formatOfFile(file: string): Format {
  const lower = file.toLowerCase();
  if (lower.endsWith('.sarif') || lower.endsWith('.sarif.json')) return 'sarif';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.xml')) return 'junit';
  if (lower.endsWith('.html') || lower.endsWith('.htm')) return 'html';
  if (lower.endsWith('.txt')) return 'text';
  throw new UsageError(`--output ${file}: use .json, .xml (JUnit), .sarif, .html or .txt`);
}

const list = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((value) => value.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

function baseUrl(raw: string | undefined): string {
  if (raw === undefined) throw new UsageError('the base URL of the API is missing');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`"${raw}" is not a URL (e.g. https://api.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the base URL must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username || url.password)
    throw new UsageError('put credentials in --auth, not in the URL');
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** Parses argv (without node and the script) and the environment into a command. */
export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values['list-probes']) return { kind: 'list-probes', format: format(values.format) };
  if (positionals.length > 1)
    throw new UsageError(`one base URL expected, got ${positionals.length}`);
  const failUnder =
    values['fail-under'] === undefined
      ? undefined
      : number(values['fail-under'], 'fail-under', 0, 0, 100, false);
  const options: CheckOptions = {
    baseUrl: baseUrl(positionals[0]),
    openapi: values.openapi ?? [],
    auth: values.auth ?? (env.STEADFAST_CHECK_AUTH || undefined),
    authB: values['auth-b'] ?? (env.STEADFAST_CHECK_AUTH_B || undefined),
    resources: list(values.resource),
    ...(values['page-param'] ? { pageParam: values['page-param'] } : {}),
    allowWrites: values['allow-writes'] === true,
    allowWritesOn: list(values['allow-writes-on']),
    maxRequests: number(values['max-requests'], 'max-requests', DEFAULTS.maxRequests, 1, 100_000),
    rps: number(values.rps, 'rps', DEFAULTS.rps, 0.1, 10_000, false),
    timeBudgetS: number(
      values['time-budget'],
      'time-budget',
      DEFAULTS.timeBudgetS,
      1,
      86_400,
      false,
    ),
    timeoutS: number(values.timeout, 'timeout', DEFAULTS.timeoutS, 0.1, 600, false),
    burst: number(values.burst, 'burst', DEFAULTS.burst, 1, 100_000),
    maxBodyBytes: number(
      values['max-body'],
      'max-body',
      DEFAULTS.maxBodyBytes,
      1,
      1024 * 1024 * 1024,
    ),
    maxPages: number(values['max-pages'], 'max-pages', DEFAULTS.maxPages, 1, 10_000),
    insecure: values.insecure === true,
    ca: values.ca,
    only: list(values.only),
    skip: list(values.skip),
  };
  for (const [flag, raw, label] of [
    ['--auth', options.auth, 'A'],
    ['--auth-b', options.authB, 'B'],
  ] as const) {
    if (raw === undefined) continue;
    try {
      parseCredential(raw, label);
    } catch (error) {
      if (error instanceof AmbiguousCredential) throw new UsageError(`${flag}: ${error.message}`);
      throw error;
    }
  }
  return {
    kind: 'run',
    options,
    dryRun: values['dry-run'] === true,
    format: format(values.format),
    outputs: (values.output ?? []).map((file) => ({ file, format: formatOfFile(file) })),
    failUnder,
    failSeverity: failSeverity(values['fail-severity']),
    quiet: values.quiet === true,
  };
}
