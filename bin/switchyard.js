#!/usr/bin/env node
// Runs the compiled CLI when it exists (an installed package), otherwise the TypeScript source
// through tsx (a checkout where `npm run build` has not been run).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../cli/main.ts', import.meta.url).href);
}
