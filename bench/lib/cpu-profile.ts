import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) that the summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  /** Microseconds on the monotonic clock (the one process.hrtime reads). */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function, file or area within the measured window. */
export interface SelfTime {
  name: string;
  us: number;
}

export interface ProfileSummary {
  /** Samples inside the window, and how much sampled time they cover. */
  samples: number;
  sampledUs: number;
  /** Sampled time the process was idle (waiting in epoll), excluded from "busy". */
  idleUs: number;
  areas: SelfTime[];
  files: SelfTime[];
  functions: SelfTime[];
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A file as a short path: `pkg/…` under node_modules, `api/…` under any checkout's packages/api/src. */
function fileOf(url: string): string {
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  // Any checkout's API source, so a profile of another commit (--checkout) reads the same.
  const api = path.indexOf('/packages/api/src/');
  if (api >= 0) return `api/${path.slice(api + '/packages/api/src/'.length)}`;
  return path.startsWith(REPO) ? path.slice(REPO.length) : path;
}

/**
 * The coarse bucket of a frame: a package (`fastify`, `pino`, `@opentelemetry/…`), a folder of
 * ours (`api: platform/observability`), a part of Node (`node:internal/streams`), or a V8
 * pseudo-frame (`(garbage collector)`, `(program)`, `(idle)`).
 */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const file = fileOf(url);
  if (file.startsWith('node:')) {
    const parts = file.split('/');
    return parts[0] === 'node:internal' && parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
  }
  if (file.startsWith('api/')) {
    const parts = file.slice(4).split('/');
    return `api: ${parts.length > 2 ? parts.slice(0, 2).join('/') : parts.join('/')}`;
  }
  if (url.includes('/node_modules/')) {
    const parts = file.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return file;
}

const ranked = (totals: Map<string, number>): SelfTime[] =>
  [...totals].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);

/**
 * Self time per function, file and area of the samples taken between `fromUs` and `toUs` (the
 * monotonic clock, as process.hrtime.bigint() / 1000 reads it), so start-up and warm-up are
 * left out. A sample's time is the interval until the next sample.
 */
export function summariseProfile(file: string, fromUs: number, toUs: number): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  // Native code (a V8 builtin, a C++ binding such as writev or a hash) has no script: it is
  // counted in the area of the nearest JavaScript caller, marked as native, so the table says
  // whose native work it is.
  const callerArea = (id: number): string => {
    for (let at = parentOf.get(id); at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!;
      if (frame.url) return areaOf(frame.url, frame.functionName);
    }
    return 'no caller';
  };
  const areas = new Map<string, number>();
  const files = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let at = profile.startTime;
  let samples = 0;
  let sampledUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i]!;
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const id = profile.samples[i]!;
    const frame = byId.get(id)!;
    samples += 1;
    sampledUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const native = !frame.url && !frame.functionName.startsWith('(');
    const area = native ? `${callerArea(id)} (native)` : areaOf(frame.url, frame.functionName);
    add(areas, area, us);
    add(files, frame.url ? fileOf(frame.url) : area, us);
    const where = frame.url
      ? ` ${fileOf(frame.url)}:${frame.lineNumber + 1}`
      : native
        ? ` (native, from ${callerArea(id)})`
        : '';
    add(functions, `${frame.functionName || '(anonymous)'}${where}`, us);
  }
  return {
    samples,
    sampledUs,
    idleUs,
    areas: ranked(areas),
    files: ranked(files),
    functions: ranked(functions),
  };
}
