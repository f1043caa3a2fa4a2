/**
 * FileDescriptorProtos for server reflection, built from loaded schemas with
 * `protobufjs/ext/descriptor`: one per `.proto` file (named as the files that import it
 * spell it), with fully-qualified type names and the file's dependencies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import type { ProtoSchema } from '../../schema/load.js';

/** Everything reflection answers from. */
export interface DescriptorIndex {
  /** File name → its FileDescriptorProto, encoded. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** File name → the files it depends on. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** Fully-qualified symbol (no leading dot) → the file declaring it. */
  readonly symbols: ReadonlyMap<string, string>;
  /** Extended message type → extension number → the file declaring the extension. */
  readonly extensions: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** Every service, fully qualified. */
  readonly services: readonly string[];
}

type Top = protobuf.Type | protobuf.Enum | protobuf.Service | protobuf.Field;

interface FileEntry {
  name: string;
  pkg: string;
  edition: string;
  items: Top[];
  deps: Set<string>;
}

const IMPORT = /^\s*import\s+(?:public\s+|weak\s+)?["']([^"']+)["']\s*;/gm;

/** Maps absolute file paths to the names their importers use. */
function importNames(schema: ProtoSchema): Map<string, string> {
  const names = new Map<string, string>();
  const resolve = (schema.root.resolvePath as ((origin: string, target: string) => string | null) | undefined) ?? ((o: string, t: string) => path.resolve(path.dirname(o), t));
  for (const file of schema.root.files) {
    if (!path.isAbsolute(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(file, m[1]!);
      if (target && !names.has(target)) names.set(target, m[1]!);
    }
  }
  return names;
}

/** Builds the index over several schemas (the first to define a file name wins). */
export function buildDescriptorIndex(schemas: readonly ProtoSchema[], baseOf: (s: ProtoSchema) => string | undefined = () => undefined): DescriptorIndex {
  const files = new Map<string, Uint8Array>();
  const deps = new Map<string, string[]>();
  const symbols = new Map<string, string>();
  const extensions = new Map<string, Map<number, string>>();
  const services: string[] = [];
  for (const schema of schemas) {
    const imported = importNames(schema);
    const base = baseOf(schema);
    const nameOf = (obj: protobuf.ReflectionObject): string => {
      const f = obj.filename;
      if (f && path.isAbsolute(f)) return imported.get(f) ?? (base ? path.relative(base, f) : path.basename(f)).split(path.sep).join('/');
      if (f) return f;
      return wellKnownFile(obj.fullName);
    };
    const entries = new Map<string, FileEntry>();
    collect(schema.root, nameOf, entries);
    for (const entry of entries.values()) {
      if (files.has(entry.name)) continue;
      files.set(entry.name, encodeFile(entry));
      deps.set(entry.name, [...entry.deps].sort());
      for (const item of entry.items) indexSymbols(item, entry.name, symbols, extensions, services);
    }
  }
  return { files, deps, symbols, extensions, services };
}

function topLevelFileOf(obj: protobuf.ReflectionObject): protobuf.ReflectionObject {
  let o = obj;
  while (o.parent && (o.parent instanceof protobuf.Type || o.parent instanceof protobuf.Service)) o = o.parent;
  return o;
}

function collect(ns: protobuf.NamespaceBase, nameOf: (o: protobuf.ReflectionObject) => string, out: Map<string, FileEntry>): void {
  for (const child of ns.nestedArray) {
    const isTop = child instanceof protobuf.Type || child instanceof protobuf.Enum || child instanceof protobuf.Service || (child instanceof protobuf.Field && child.extend !== undefined);
    if (isTop) {
      const name = nameOf(child);
      let entry = out.get(name);
      if (!entry) {
        const edition = (child as unknown as { _edition?: string | null })._edition ?? 'proto3';
        out.set(name, (entry = { name, pkg: ns.fullName.replace(/^\./, ''), edition, items: [], deps: new Set() }));
      }
      entry.items.push(child as Top);
      addDeps(child, entry, nameOf);
    }
    if (child instanceof protobuf.Namespace && !(child instanceof protobuf.Type) && !(child instanceof protobuf.Service)) collect(child, nameOf, out);
  }
}

function addDeps(obj: protobuf.ReflectionObject, entry: FileEntry, nameOf: (o: protobuf.ReflectionObject) => string): void {
  const add = (t: protobuf.ReflectionObject | null | undefined): void => {
    if (!t) return;
    const n = nameOf(topLevelFileOf(t));
    if (n !== entry.name) entry.deps.add(n);
  };
  if (obj instanceof protobuf.Type) {
    for (const f of obj.fieldsArray) if (!f.declaringField) add(f.resolve().resolvedType);
    for (const n of obj.nestedArray) addDeps(n, entry, nameOf);
  } else if (obj instanceof protobuf.Service) {
    for (const m of obj.methodsArray) {
      m.resolve();
      add(m.resolvedRequestType);
      add(m.resolvedResponseType);
    }
  } else if (obj instanceof protobuf.Field) {
    obj.resolve();
    add(obj.resolvedType);
    add(obj.extensionField?.parent);
  }
}

function pascal(s: string): string {
  return s.replace(/(?:^|_)([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

type Desc = { name?: string; field: Array<{ typeName?: string; name?: string }>; nestedType: Desc[]; options?: { mapEntry?: boolean } | null };

/** Makes type names fully qualified, names map entries as protoc does, drops foreign extension fields. */
function fixType(t: protobuf.Type, d: Desc): void {
  const own = t.fieldsArray;
  let entryIdx = 0;
  const drop = new Set<number>();
  own.forEach((f, i) => {
    const fd = d.field[i]!;
    if (f.declaringField) {
      drop.add(i);
      if (f instanceof protobuf.MapField) entryIdx++;
      return;
    }
    if (f instanceof protobuf.MapField) {
      const entry = d.nestedType[entryIdx++]!;
      const entryName = `${pascal((f as unknown as { protoName?: string }).protoName ?? f.name)}Entry`;
      entry.name = entryName;
      fd.typeName = `${t.fullName}.${entryName}`;
      const value = entry.field[1];
      if (value && f.resolvedType) value.typeName = f.resolvedType.fullName;
    } else if (f.resolvedType) {
      fd.typeName = f.resolvedType.fullName;
    }
  });
  let fieldIdx = own.length;
  let nestedIdx = entryIdx;
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Field) {
      const fd = d.field[fieldIdx++];
      if (fd && n.resolve().resolvedType) fd.typeName = n.resolvedType!.fullName;
    } else if (n instanceof protobuf.Type) {
      fixType(n, d.nestedType[nestedIdx++]!);
    }
  }
  if (drop.size > 0) d.field = d.field.filter((_f, i) => !drop.has(i));
}

function encodeFile(entry: FileEntry): Uint8Array {
  const D = descriptor as unknown as Record<string, protobuf.Type>;
  const file: Record<string, unknown> = {
    name: entry.name,
    dependency: [...entry.deps].sort(),
    messageType: [] as unknown[],
    enumType: [] as unknown[],
    service: [] as unknown[],
    extension: [] as unknown[],
  };
  if (entry.pkg) file['package'] = entry.pkg;
  if (entry.edition === 'proto3' || entry.edition === 'proto2') file['syntax'] = entry.edition;
  for (const item of entry.items) {
    const withDesc = item as unknown as { toDescriptor(edition?: string): Desc };
    if (item instanceof protobuf.Type) {
      const d = withDesc.toDescriptor(entry.edition);
      fixType(item, d);
      (file['messageType'] as unknown[]).push(d);
    } else if (item instanceof protobuf.Enum) {
      (file['enumType'] as unknown[]).push(withDesc.toDescriptor());
    } else if (item instanceof protobuf.Service) {
      (file['service'] as unknown[]).push(withDesc.toDescriptor());
    } else {
      const d = withDesc.toDescriptor(entry.edition) as unknown as { typeName?: string };
      if (item.resolvedType) d.typeName = item.resolvedType.fullName;
      (file['extension'] as unknown[]).push(d);
    }
  }
  const FileDescriptorProto = D['FileDescriptorProto']!;
  return FileDescriptorProto.encode(FileDescriptorProto.fromObject(file)).finish();
}

function indexSymbols(obj: protobuf.ReflectionObject, file: string, symbols: Map<string, string>, extensions: Map<string, Map<number, string>>, services: string[]): void {
  const name = obj.fullName.replace(/^\./, '');
  if (obj instanceof protobuf.Field) {
    const target = obj.extensionField?.parent?.fullName.replace(/^\./, '') ?? obj.extend?.replace(/^\./, '');
    if (target) {
      let m = extensions.get(target);
      if (!m) extensions.set(target, (m = new Map()));
      m.set(obj.id, file);
    }
    if (!symbols.has(name)) symbols.set(name, file);
    return;
  }
  if (!symbols.has(name)) symbols.set(name, file);
  if (obj instanceof protobuf.Service) {
    services.push(name);
    for (const m of obj.methodsArray) symbols.set(`${name}.${m.name}`, file);
  } else if (obj instanceof protobuf.Type) {
    for (const f of obj.fieldsArray) if (!f.declaringField) symbols.set(`${name}.${(f as unknown as { protoName?: string }).protoName ?? f.name}`, file);
    for (const n of obj.nestedArray) indexSymbols(n, file, symbols, extensions, services);
  } else if (obj instanceof protobuf.Enum) {
    const pkg = name.slice(0, name.lastIndexOf('.'));
    for (const v of Object.keys(obj.values)) symbols.set(pkg ? `${pkg}.${v}` : v, file);
  }
}

const WKT_FILES: Record<string, string> = {
  Any: 'any',
  Duration: 'duration',
  Empty: 'empty',
  FieldMask: 'field_mask',
  Struct: 'struct',
  Value: 'struct',
  ListValue: 'struct',
  NullValue: 'struct',
  Timestamp: 'timestamp',
  DoubleValue: 'wrappers',
  FloatValue: 'wrappers',
  Int64Value: 'wrappers',
  UInt64Value: 'wrappers',
  Int32Value: 'wrappers',
  UInt32Value: 'wrappers',
  BoolValue: 'wrappers',
  StringValue: 'wrappers',
  BytesValue: 'wrappers',
  Api: 'api',
  Method: 'api',
  Mixin: 'api',
  SourceContext: 'source_context',
  Type: 'type',
  Field: 'type',
  Enum: 'type',
  EnumValue: 'type',
  Option: 'type',
  Syntax: 'type',
};

/** The file of a built-in type protobufjs loaded without a file name. */
function wellKnownFile(fullName: string): string {
  const m = /^\.google\.protobuf\.([A-Za-z]+)/.exec(fullName);
  if (m) return `google/protobuf/${WKT_FILES[m[1]!] ?? 'descriptor'}.proto`;
  return `${fullName.replace(/^\./, '').split('.').slice(0, -1).join('/') || 'root'}.proto`;
}
