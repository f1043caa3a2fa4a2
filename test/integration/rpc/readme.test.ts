/** The README's library example, run as written (its `switchyard` import pointed at this checkout). */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

it('the README library example runs and prints what it promises', async () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const entry = pathToFileURL(path.join(root, 'src/index.ts')).href;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-readme-'));
  try {
    const file = path.join(dir, 'example.mts');
    writeFileSync(file, code!.replaceAll("from 'switchyard'", `from '${entry}'`));
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const { stdout } = await promisify(execFile)(tsx, [file], { cwd: root, timeout: 20_000 });
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => /^(grpc|ws):\/\/127\.0\.0\.1:\d+.* m-\d+$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => l === 'message 2')).toHaveLength(2);
    expect(lines.filter((l) => l === 'echo: ping')).toHaveLength(2);
    expect(stdout).toContain("accepted: 2");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
