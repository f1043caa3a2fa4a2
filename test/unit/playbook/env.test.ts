import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/playbook/interpolate.js';
import { findLiteralSecrets } from '../../../src/playbook/secrets.js';
import { BASE, ENV, issues, parse, parseError } from './fixtures.js';

describe('${ENV} interpolation', () => {
  it('substitutes variables, defaults and escapes in string values only', () => {
    const r = interpolate({ a: '${A}', b: 'x-${B:-dflt}-y', c: '$${A} stays', d: 5, e: ['${A}'], '${A}': 'key untouched' }, { A: 'one' });
    expect(r.issues).toEqual([]);
    expect(r.value).toEqual({ a: 'one', b: 'x-dflt-y', c: '${A} stays', d: 5, e: ['one'], '${A}': 'key untouched' });
  });

  it('a set-but-empty variable takes the default; a value that is only references and comes out empty is dropped', () => {
    expect(interpolate({ a: '${A:-d}', b: '${B:-}', c: 'x${B:-}' }, { A: '' }).value).toEqual({ a: 'd', c: 'x' });
  });

  it('cannot inject YAML structure: the value stays one string', async () => {
    const { playbook } = await parse(BASE.replace('migration: chat', 'migration: ${NAME}'), { ...ENV, NAME: 'chat' });
    expect(playbook.migration).toBe('chat');
    const e = await parseError(BASE.replace('migration: chat', 'migration: ${NAME}'), { ...ENV, NAME: 'chat\nversion: 2' });
    expect(issues(e)[0]).toMatch(/^migration: expected a name of letters/);
  });

  it('names every missing variable with the field it is used in', async () => {
    const e = await parseError(BASE, { ADMIN_TOKEN: 't' });
    expect(e.id).toBe('PLAYBOOK_MISSING_ENV');
    expect(issues(e)).toEqual(['datastores.legacy.url: environment variable LEGACY_URL is not set', 'datastores.next.url: environment variable NEXT_URL is not set']);
    expect(e.hint).toMatch(/export the variables/);
  });

  it('reports malformed references', () => {
    expect(interpolate({ a: '${A', b: '${1X}' }, {}).issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'a: unclosed "${": expected ${NAME} or ${NAME:-default} (write $${ for a literal "${")',
      'b: "${1X}" is not a valid reference: expected ${NAME} or ${NAME:-default} with NAME of letters, digits and "_"',
    ]);
  });
});

describe('secrets only from the environment', () => {
  it('rejects a literal password in a datastore URL with its field path, and never echoes it', async () => {
    const e = await parseError(BASE.replace('"${LEGACY_URL}"', 'mysql://app:hunter2@db:3306/chat'));
    expect(e.id).toBe('PLAYBOOK_LITERAL_SECRET');
    expect(issues(e)).toEqual([expect.stringMatching(/^datastores\.legacy\.url: a literal password is not allowed in the playbook/)]);
    expect(e.message).not.toContain('hunter2');
    expect(JSON.stringify(e.details)).not.toContain('hunter2');
  });

  it('accepts the password (or the whole URL) as a reference', async () => {
    const { playbook } = await parse(BASE.replace('"${LEGACY_URL}"', '"mysql://app:${DB_PASSWORD}@db:3306/chat"'), { ...ENV, DB_PASSWORD: 'p@ss' });
    expect(playbook.datastores?.legacy.url).toBe('mysql://app:p@ss@db:3306/chat');
  });

  it('rejects a literal admin token, literal credential headers and passwords in any URL', () => {
    const found = findLiteralSecrets({
      proxy: { adminToken: 'abc' },
      hooks: { onRollback: [{ webhook: 'https://u:pw@hooks.example/x', headers: { Authorization: 'Bearer abc', 'X-Trace': 'fine', 'X-Api-Key': '${KEY}' } }] },
      control: { url: 'postgres://ctl:${PW}@db/ctl' },
    });
    expect(found.map((i) => i.path.join('.'))).toEqual(['proxy.adminToken', 'hooks.onRollback.0.webhook', 'hooks.onRollback.0.headers.Authorization']);
  });

  it('does not print interpolated values in validation errors', async () => {
    const e = await parseError(BASE.replace('steps: [1, 50, 100]', 'steps: [1, 100]').replace('  - kind: retire', '  - kind: retire\n    name: "${SECRETISH}"'), { ...ENV, SECRETISH: 'bad name with spaces' });
    expect(issues(e)).toEqual(['stages[6].name: expected a name of letters, digits, "_", "." or "-" (at most 128 characters)']);
  });
});
