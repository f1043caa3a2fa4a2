import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { playbookJsonSchema } from '../../../src/playbook/json-schema.js';
import { BASE } from './fixtures.js';

type Schema = Record<string, unknown>;

/** Follows a YAML value through the schema and returns the paths of keys the schema does not know. */
function unknownKeys(schema: Schema, value: unknown, path = ''): string[] {
  const options = [schema, ...((schema['oneOf'] ?? schema['anyOf'] ?? []) as Schema[])];
  if (Array.isArray(value)) {
    const items = options.map((o) => o['items'] as Schema | undefined).find(Boolean);
    return items ? value.flatMap((v, i) => unknownKeys(items, v, `${path}[${i}]`)) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  // For a oneOf of objects (stage kinds), pick the branch whose const matches the value's kind.
  const branch =
    options.find((o) => {
      const kind = (o['properties'] as Record<string, Schema> | undefined)?.['kind']?.['const'];
      return kind !== undefined && kind === (value as Record<string, unknown>)['kind'];
    }) ?? options.find((o) => o['properties'] || o['additionalProperties']);
  if (!branch) return [];
  const props = (branch['properties'] ?? {}) as Record<string, Schema>;
  const extra = branch['additionalProperties'] as Schema | false | undefined;
  return Object.entries(value).flatMap(([k, v]) => {
    const sub = props[k] ?? (extra ? extra : undefined);
    return sub ? unknownKeys(sub, v, `${path}.${k}`) : [`${path}.${k}`];
  });
}

describe('JSON Schema emission', () => {
  const schema = playbookJsonSchema();

  it('is draft 2020-12 with an id, a title and described fields', () => {
    expect(schema['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema['title']).toBe('switchyard playbook');
    const props = schema['properties'] as Record<string, Schema>;
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['version', 'migration', 'service', 'proxy', 'datastores', 'tables', 'controller', 'gates', 'hooks', 'stages']));
    expect(schema['required']).toEqual(expect.arrayContaining(['version', 'migration', 'service', 'proxy', 'stages']));
    expect(schema['additionalProperties']).toBe(false);
    expect(String(props['migration']?.['description'])).toMatch(/control database/);
  });

  it('describes durations as strings (the input form) and defaults are optional', () => {
    const controller = (schema['properties'] as Record<string, Schema>)['controller']!;
    const interval = (controller['properties'] as Record<string, Schema>)['interval']!;
    expect(interval['type']).toBe('string');
    expect(String(interval['description'])).toMatch(/default 30s/);
    expect(controller['required']).toBeUndefined();
  });

  it('knows every key the example playbook uses, through the stage kinds', () => {
    expect(unknownKeys(schema, parseYaml(BASE))).toEqual([]);
    expect(unknownKeys(schema, { stages: [{ kind: 'backfill', maxRowsPerSecond: 5, nope: 1 }] })).toEqual(['.stages[0].nope']);
  });
});
