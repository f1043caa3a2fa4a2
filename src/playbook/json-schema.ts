/** The playbook's JSON Schema (for editor completion), emitted from the zod schema. */
import { z } from 'zod';
import { playbookSchema } from './schema/playbook.js';

/** The JSON Schema (draft 2020-12) of a playbook as written (input side: durations are strings). */
export function playbookJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(playbookSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://switchyard.dev/schema/playbook-v1.json', title: 'switchyard playbook', description: 'A switchyard migration playbook (version 1). See docs/playbook.md.' };
}

let keys: Set<string> | undefined;

/** Every property name anywhere in the schema (for "did you mean" hints). */
export function playbookKeys(): ReadonlySet<string> {
  if (keys) return keys;
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const props = (node as Record<string, unknown>)['properties'];
      if (props && typeof props === 'object') for (const k of Object.keys(props)) found.add(k);
      for (const v of Object.values(node)) walk(v);
    }
  };
  walk(playbookJsonSchema());
  keys = found;
  return found;
}
