/**
 * Reading one field of a protobuf message by a dotted path (`sender`, `user.id`), for the
 * sticky routing key. The path is resolved against the message type once; reading decodes
 * the message (only done for the first message of a call, off the per-message path).
 */
import type protobuf from 'protobufjs';

/** Reads a field from message bytes; undefined when unset, empty, or the bytes don't decode. */
export type FieldReader = (bytes: Uint8Array) => string | undefined;

/** snake_case → camelCase, as protobufjs names fields. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Finds a field by its `.proto` name or its camelCase name. */
export function findField(type: protobuf.Type, name: string): protobuf.Field | undefined {
  return type.fields[name] ?? type.fields[camelCase(name)] ?? Object.values(type.fields).find((f) => f.name === name || camelCase(f.name) === camelCase(name));
}

/**
 * Resolves `path` in `type`. Throws an Error naming the segment when a field does not
 * exist, is repeated or a map, or is not a message where the path goes deeper.
 */
export function compileFieldReader(type: protobuf.Type, path: string): FieldReader {
  const names: string[] = [];
  let t: protobuf.Type | undefined = type;
  const segments = path.split('.');
  segments.forEach((seg, i) => {
    if (!t) throw new Error(`"${segments.slice(0, i).join('.')}" is not a message field, so "${path}" cannot go deeper`);
    const f = findField(t, seg);
    if (!f) throw new Error(`${t.fullName.slice(1)} has no field "${seg}" (path "${path}")`);
    if (f.repeated || f.map) throw new Error(`field "${seg}" of ${t.fullName.slice(1)} is repeated; a sticky key needs a single value`);
    f.resolve();
    names.push(f.name);
    t = f.resolvedType && 'fields' in f.resolvedType ? (f.resolvedType as protobuf.Type) : undefined;
  });
  if (t) throw new Error(`"${path}" is a message; a sticky key must be a scalar field`);
  return (bytes) => {
    let v: unknown;
    try {
      v = type.decode(bytes);
    } catch {
      return undefined;
    }
    for (const n of names) {
      if (v === null || v === undefined) return undefined;
      v = (v as Record<string, unknown>)[n];
    }
    return keyText(v);
  };
}

function keyText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (v instanceof Uint8Array) return v.length === 0 ? undefined : Buffer.from(v).toString('base64');
  return String(v);
}
