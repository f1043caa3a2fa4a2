/** Checks the playbook's method paths and field paths against the loaded `.proto`. */
import type protobuf from 'protobufjs';
import type { ProtoSchema } from '../schema/load.js';
import type { FieldPath, PlaybookIssue } from './issues.js';
import type { Playbook } from './schema/playbook.js';

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The field path `a.b[].c` / `ids[$index]` resolved in `type` (names as in the .proto or lowerCamelCase); returns the problem, if any. */
export function checkFieldPath(type: protobuf.Type, fieldPath: string): string | undefined {
  let cur: protobuf.Type | undefined = type;
  for (const raw of fieldPath.split('.')) {
    const name = raw.replace(/\[[^\]]*\]$/, '');
    if (!cur) return `"${fieldPath}": ${name} is inside a field that is not a message`;
    const field: protobuf.Field | undefined = cur.fields[name] ?? Object.values(cur.fields).find((f) => camel(f.name) === camel(name));
    if (!field) return `"${fieldPath}": ${cur.fullName.replace(/^\./, '')} has no field "${name}" (fields: ${Object.keys(cur.fields).join(', ')})`;
    field.resolve();
    cur = field.resolvedType && 'fields' in field.resolvedType ? (field.resolvedType as protobuf.Type) : undefined;
  }
  return undefined;
}

/** Every method and field reference that the `.proto` does not have. */
export function checkAgainstProto(pb: Playbook, schema: ProtoSchema): PlaybookIssue[] {
  const issues: PlaybookIssue[] = [];
  const known = [...schema.methods.keys()];
  const method = (m: string, path: FieldPath): boolean => {
    if (schema.methods.has(m)) return true;
    issues.push({ path, message: `method ${m} is not in the .proto (methods: ${known.join(', ')})` });
    return false;
  };
  pb.proxy.methodClasses.reads.forEach((m, i) => method(m, ['proxy', 'methodClasses', 'reads', i]));
  pb.proxy.methodClasses.writes.forEach((m, i) => method(m, ['proxy', 'methodClasses', 'writes', i]));
  for (const [m, settings] of Object.entries(pb.proxy.methods)) {
    if (!method(m, ['proxy', 'methods', m]) || !settings.stickyField) continue;
    const problem = checkFieldPath(schema.methods.get(m)!.requestType, settings.stickyField);
    if (problem) issues.push({ path: ['proxy', 'methods', m, 'stickyField'], message: problem });
  }
  for (const m of Object.keys(pb.proxy.shadow)) method(m, ['proxy', 'shadow', m]);
  pb.proxy.capture.forEach((c, i) => {
    if (!method(c.method, ['proxy', 'capture', i, 'method'])) return;
    const d = schema.methods.get(c.method)!;
    for (const [col, src] of Object.entries(c.columns)) {
      if (typeof src !== 'string' || src.startsWith('metadata.')) continue;
      const [side, ...rest] = src.split('.');
      const problem = checkFieldPath(side === 'request' ? d.requestType : d.responseType, rest.join('.'));
      if (problem) issues.push({ path: ['proxy', 'capture', i, 'columns', col], message: `${side} ${problem}` });
    }
  });
  pb.stages.forEach((s, i) => {
    for (const m of Object.keys(s.split?.methods ?? {})) method(m, ['stages', i, 'split', 'methods', m]);
  });
  return issues;
}
