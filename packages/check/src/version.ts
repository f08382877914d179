import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (the same file in the repository and on npm). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export const TOOL_NAME = 'steadfast-check';
