import { marked, type Token, type Tokens } from 'marked';

/** Where the docs say the API listens; the test rewrites it to the server it started. */
export const DOCUMENTED_BASE = 'http://127.0.0.1:3000';

/** A shell example and the responses the page shows right after it. */
export interface Example {
  kind: 'run';
  line: number;
  script: string;
  /** The `http` block: status line, the headers shown, and maybe a body. */
  http?: { status: number; headers: Record<string, string>; body?: string };
  /** A `json` block: the body shown. */
  json?: string;
}

/** A variable the text tells the reader to set (`export USER_ID=usr_…   # the id from your response`). */
export interface Assignment {
  kind: 'set';
  line: number;
  name: string;
  /** The value as printed; resolved against the real responses by the runner. */
  shown: string;
}

export type Step = Example | Assignment;

const ASSIGNMENT = /^(?:export\s+)?([A-Z_][A-Z0-9_]*)=(\S+)\s*(?:#.*)?$/;

/** Talks to the API: a curl to the documented base or `$API`, or keys made with the keys CLI. */
const talksToApi = (lines: string[]) =>
  (lines.some((l) => /\bcurl\b/.test(l)) &&
    lines.some((l) => l.includes(DOCUMENTED_BASE) || l.includes('$API'))) ||
  lines.every((l) => l.startsWith('npm run keys -- create '));

/** `NAME=value   # the id from your response`: a value the reader takes from their own output. */
const isTakenFromOutput = (line: string) => ASSIGNMENT.test(line) && line.includes('#');

function children(token: Token): Token[] {
  if (token.type === 'list') return (token as Tokens.List).items.flatMap((item) => item.tokens);
  return 'tokens' in token && Array.isArray(token.tokens) ? token.tokens : [];
}

function parseHttp(text: string): NonNullable<Example['http']> {
  const [head, ...rest] = text.split(/\n\s*\n/);
  const [statusLine, ...headerLines] = head!.split('\n');
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = rest.join('\n\n').trim();
  return { status, headers, ...(body ? { body } : {}) };
}

/**
 * The steps of one page, in reading order: the shell blocks that talk to the API with the `http`
 * and `json` blocks that follow them, and the variables the reader is told to set (blocks of
 * assignments, or inline `export NAME=…` in the prose).
 */
export function stepsOf(markdown: string): Step[] {
  const steps: Step[] = [];
  let cursor = 0;
  const lineOf = (raw: string) => {
    const at = markdown.indexOf(raw, cursor);
    if (at < 0) return 0;
    cursor = at;
    return markdown.slice(0, at).split('\n').length;
  };
  let last: Example | undefined;
  const visit = (token: Token) => {
    if (token.type === 'code') {
      const { lang, text, raw } = token as Tokens.Code;
      const line = lineOf(raw);
      if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
        const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
        const commands = lines.filter((l) => !isTakenFromOutput(l) && !ASSIGNMENT.test(l.trim()));
        // Values the reader copies from their own output are set by the runner, not run.
        for (const l of lines.filter((l) => commands.length === 0 || isTakenFromOutput(l))) {
          const [, name, shown] = ASSIGNMENT.exec(l.trim())!;
          steps.push({ kind: 'set', line, name: name!, shown: shown! });
        }
        last = undefined;
        if (commands.length > 0 && talksToApi(lines.map((l) => l.trim()))) {
          const script = text
            .split('\n')
            .filter((l) => !isTakenFromOutput(l.trim()))
            .join('\n');
          last = { kind: 'run', line, script };
          steps.push(last);
        }
      } else if (lang === 'http' && last) last.http = parseHttp(text);
      else if (lang === 'json' && last) last.json = text;
      return;
    }
    if (token.type === 'codespan') {
      const match = ASSIGNMENT.exec((token as Tokens.Codespan).text.trim());
      if (match && /^export /.test((token as Tokens.Codespan).text.trim()))
        steps.push({ kind: 'set', line: lineOf(token.raw), name: match[1]!, shown: match[2]! });
      return;
    }
    // A response block belongs to the command right before it, with nothing but responses between.
    if (token.type !== 'space') last = undefined;
    for (const child of children(token)) visit(child);
  };
  for (const token of marked.lexer(markdown)) visit(token);
  return steps;
}

/** Values that differ on every run: ids, keys, request ids, timestamps, cursors, body hashes. */
export function mask(text: string): string {
  return text
    .replace(/\bsk_(test|live)_[0-9a-f…]+/g, 'sk_$1_<key>')
    .replace(/\b(req)_[0-9a-f]{32}\b/g, '$1_<id>')
    .replace(/\b([a-z]+)_[0-9a-hjkmnp-tv-z]{26}\b/g, '$1_<id>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b(cursor|starting_after)=[A-Za-z0-9_-]+/g, '$1=<cursor>')
    .replace(/^(W\/)?"[A-Za-z0-9_-]{20,}"$/, '"<hash>"');
}

const ELIDED = '…';

/** Equal once masked, where each `…` the page shows stands for any text. */
export function sameText(shown: string, actual: string): boolean {
  const pattern = mask(shown)
    .split(ELIDED)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`, 's').test(mask(actual));
}

/**
 * Differences between the JSON shown and the JSON received: the same keys (unless the shown
 * object elides some with a `"…"` key), the same values once masked (a shown string holding `…`
 * stands for any string), arrays element by element.
 */
export function jsonDifferences(shown: unknown, actual: unknown, path = ''): string[] {
  // Cursors are opaque and differ on every run: any string stands for any string.
  const cursor = /cursor$/.test(path) && typeof shown === 'string';
  if (cursor)
    return typeof actual === 'string'
      ? []
      : [`${path || '/'}: shown a string, got ${JSON.stringify(actual)}`];
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual))
      return [`${path || '/'}: shown an array, got ${JSON.stringify(actual)}`];
    const elided = shown.some((item) => item && typeof item === 'object' && ELIDED in item);
    const lengthDiff =
      !elided && shown.length !== actual.length
        ? [`${path || '/'}: shown ${shown.length} items, got ${actual.length}`]
        : [];
    return [
      ...lengthDiff,
      ...shown.flatMap((item, i) => jsonDifferences(item, actual[i], `${path}/${i}`)),
    ];
  }
  if (shown && typeof shown === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path || '/'}: shown an object, got ${JSON.stringify(actual)}`];
    const record = actual as Record<string, unknown>;
    const entries = Object.entries(shown).filter(([key]) => key !== ELIDED);
    const missing = entries
      .filter(([key]) => !(key in record))
      .map(([key]) => `${path}/${key}: missing`);
    const extra =
      ELIDED in shown
        ? []
        : Object.keys(record)
            .filter((key) => !(key in shown))
            .map((key) => `${path}/${key}: not shown (got ${JSON.stringify(record[key])})`);
    return [
      ...missing,
      ...extra,
      ...entries
        .filter(([key]) => key in record)
        .flatMap(([key, value]) => jsonDifferences(value, record[key], `${path}/${key}`)),
    ];
  }
  const same =
    typeof shown === 'string' && typeof actual === 'string'
      ? sameText(shown, actual)
      : shown === actual;
  return same
    ? []
    : [`${path || '/'}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}

/**
 * A shown body that is not JSON (`{"id":"ord_…","status":"canceled",…}`): each `"key":value` pair
 * it shows must be in the received JSON, at any depth, with that value once masked.
 */
export function fragmentDifferences(shown: string, actual: unknown): string[] {
  const pairs = [
    ...shown.matchAll(/"([^"]+)":("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g),
  ];
  const found = (key: string, value: unknown, node: unknown): boolean => {
    if (!node || typeof node !== 'object') return false;
    const record = node as Record<string, unknown>;
    if (key in record && jsonDifferences(value, record[key], `/${key}`).length === 0) return true;
    return Object.values(record).some((child) => found(key, value, child));
  };
  return pairs
    .map(([, key, raw]) => [key!, JSON.parse(raw!) as unknown] as const)
    .filter(([key, value]) => !found(key, value, actual))
    .map(([key, value]) => `"${key}": shown ${JSON.stringify(value)}, not in the response`);
}
