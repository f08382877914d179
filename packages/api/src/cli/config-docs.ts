import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configEntries, type Entry } from '../config/index.js';

/** The README whose "Configuration" section holds the table, at the repository root. */
export const README_PATH = fileURLToPath(new URL('../../../../README.md', import.meta.url));

export const TABLE_START =
  '<!-- config-table:start — generated from packages/api/src/config/ by `npm run docs:config`; do not edit by hand -->';
export const TABLE_END = '<!-- config-table:end -->';

/** A table cell: pipes escaped, so Markdown keeps them inside the cell. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function meaning(entry: Entry<unknown>): string {
  return entry.secret ? `${entry.doc} Secret: never logged.` : entry.doc;
}

/**
 * The configuration table, one row per entry, padded as Prettier pads Markdown tables so that
 * `prettier --check` accepts the README as generated.
 */
export function renderConfigTable(entries: readonly Entry<unknown>[] = configEntries): string {
  const rows = [
    ['Variable', 'Type', 'Default', 'Meaning'],
    ...entries.map((entry) => [
      `\`${entry.name}\``,
      cell(entry.type),
      cell(entry.defaultText),
      cell(meaning(entry)),
    ]),
  ];
  const widths = rows[0]!.map((_, column) =>
    Math.max(3, ...rows.map((row) => row[column]!.length)),
  );
  const line = (row: string[]) =>
    `| ${row.map((text, column) => text.padEnd(widths[column]!)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header!), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join(
    '\n',
  );
}

/** `readme` with the text between the table markers replaced by the rendered table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start) {
    throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} markers`);
  }
  return (
    readme.slice(0, start + TABLE_START.length) +
    `\n\n${renderConfigTable()}\n\n` +
    readme.slice(end)
  );
}

/** Rewrites the table in README.md; `npm run docs:config`. */
export function writeConfigDocs(path: string = README_PATH): void {
  writeFileSync(path, withConfigTable(readFileSync(path, 'utf8')));
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  writeConfigDocs();
  process.stdout.write(`Wrote the configuration table of ${README_PATH}\n`);
}
