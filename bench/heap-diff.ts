/**
 * `npx tsx bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--top 30]`: what grew in
 * the V8 heap between two snapshots, by constructor (object kind + name): count and retained-free
 * "self" bytes of each, sorted by bytes gained. A snapshot is taken after a full collection, so
 * it holds live objects only; the soak's heap readings include garbage and cannot show a few MiB.
 *
 * How to get the snapshots from a soak (bench/README.md, "Memory"): start it with
 * `--server-env "NODE_OPTIONS=--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR"` and send
 * SIGUSR2 to the server at two moments.
 *
 * A snapshot's JSON is often larger than the longest string V8 will make, so it is read as bytes:
 * the node array is scanned number by number, and only the string table goes through JSON.parse.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
}

/** Node types whose name is their content. */
const BY_TYPE_ONLY = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'heap number',
]);

interface Totals {
  count: number;
  bytes: number;
}

/** Count and self size per "type:name" of one snapshot. */
function constructorsOf(path: string): Map<string, Totals> {
  const bytes = readFileSync(path);
  const nodesAt = bytes.indexOf('"nodes":[');
  const header = bytes.subarray(0, nodesAt).toString('utf8');
  const meta = (JSON.parse(`${header.replace(/,\s*$/, '')}}`) as { snapshot: { meta: Meta } })
    .snapshot.meta;
  const fields = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const typeNames = meta.node_types[0];

  // Scan the node array's numbers.
  const nodes: number[] = [];
  let i = nodesAt + '"nodes":['.length;
  let value = 0;
  let inNumber = false;
  for (; i < bytes.length; i += 1) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
    } else {
      if (inNumber) nodes.push(value);
      value = 0;
      inNumber = false;
      if (c === 93) break; // ]
    }
  }
  const stringsAt = bytes.indexOf('"strings":[', i);
  const stringsEnd = bytes.lastIndexOf(']');
  const strings = JSON.parse(
    bytes.subarray(stringsAt + '"strings":'.length, stringsEnd + 1).toString('utf8'),
  ) as string[];

  const totals = new Map<string, Totals>();
  for (let n = 0; n < nodes.length; n += fields) {
    const type = typeNames[nodes[n + typeAt]!]!;
    // A string's or number's "name" is its value: group those by type, everything else by name.
    const key = BY_TYPE_ONLY.has(type)
      ? `${type}:(all)`
      : `${type}:${strings[nodes[n + nameAt]!]!.slice(0, 80)}`;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += nodes[n + sizeAt]!;
    totals.set(key, entry);
  }
  return totals;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const [beforePath, afterPath] = positionals;
if (!beforePath || !afterPath) {
  process.stderr.write('usage: tsx bench/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot\n');
  process.exit(2);
}
const before = constructorsOf(beforePath);
const after = constructorsOf(afterPath);
const sum = (m: Map<string, Totals>) => [...m.values()].reduce((a, t) => a + t.bytes, 0);
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
const rows = [...new Set([...before.keys(), ...after.keys()])].map((key) => {
  const b = before.get(key) ?? { count: 0, bytes: 0 };
  const a = after.get(key) ?? { count: 0, bytes: 0 };
  return { key, count: a.count - b.count, bytes: a.bytes - b.bytes, a, b };
});
rows.sort((x, y) => y.bytes - x.bytes);
process.stdout.write(
  `live heap: ${mib(sum(before))} MiB → ${mib(sum(after))} MiB\n\n` +
    `| bytes gained | count gained | count before → after | type:name |\n| ---: | ---: | ---: | --- |\n`,
);
for (const r of rows.slice(0, Number(values.top))) {
  process.stdout.write(
    `| ${r.bytes} | ${r.count} | ${r.b.count} → ${r.a.count} | \`${r.key.replace(/[|`\n]/g, ' ')}\` |\n`,
  );
}
