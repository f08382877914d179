#!/usr/bin/env node
// Runs the compiled CLI when installed from npm (dist/), and the TypeScript source through tsx
// inside this repository (src/ is not published), so `npx steadfast-check` works in both.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli.js', import.meta.url).href);
}
