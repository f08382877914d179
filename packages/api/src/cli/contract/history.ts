import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OpenApiDocument } from '../../platform/openapi/document-types.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

function git(args: string[]): string {
  return execFileSync('git', args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
}

/**
 * Every version of a contract file ever committed, newest first, duplicates removed. The gate
 * compares the code with all of them, not only with the file as it is now: otherwise a breaking
 * change committed together with a regenerated (or hand-edited) contract would pass.
 * Undefined when git or the history is not available (an exported tarball).
 */
export function publishedHistory(repoPath: string): OpenApiDocument[] | undefined {
  let commits: string[];
  try {
    commits = git(['log', '--format=%H', '--', repoPath]).split('\n').filter(Boolean);
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  const documents: OpenApiDocument[] = [];
  for (const commit of commits) {
    let text: string;
    try {
      text = git(['show', `${commit}:${repoPath}`]);
    } catch {
      continue; // the commit deleted the file
    }
    const canonical = JSON.stringify(JSON.parse(text));
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    documents.push(JSON.parse(text) as OpenApiDocument);
  }
  return documents;
}
