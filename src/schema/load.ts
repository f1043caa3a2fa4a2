/**
 * Loads `.proto` files at run time (protobufjs): imports resolved against the importing
 * file's folder and the include paths; google well-known types are built in.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { fail } from '../errors.js';
import type { CallKind, MethodInfo } from './method.js';
import { installWellKnownJson } from './well-known.js';

/** A method of a loaded service. */
export interface MethodDescriptor extends MethodInfo {
  /** Fully-qualified service name, `package.Service`. */
  service: string;
  /** Method name as written in the `.proto`. */
  name: string;
  /** Request message type. */
  requestType: protobuf.Type;
  /** Response message type. */
  responseType: protobuf.Type;
}

/** A loaded service. */
export interface ServiceDescriptor {
  /** Fully-qualified name, `package.Service`. */
  name: string;
  /** Its methods, in declaration order. */
  methods: MethodDescriptor[];
}

/** Everything loaded from a set of `.proto` files. */
export interface ProtoSchema {
  /** The protobufjs root (for advanced use: reflection, custom codecs). */
  root: protobuf.Root;
  /** Every service found, in declaration order. */
  services: ServiceDescriptor[];
  /** Every method by path (`/package.Service/Method`). */
  methods: ReadonlyMap<string, MethodDescriptor>;
  /** The files loaded, resolved to absolute paths. */
  files: string[];
  /** Looks up a service by name; throws NOT_FOUND naming it. */
  service(name: string): ServiceDescriptor;
  /** Looks up a message type by fully-qualified name; throws NOT_FOUND naming it. */
  type(name: string): protobuf.Type;
}

/** Options for {@link loadProto}. */
export interface LoadProtoOptions {
  /** Folders searched for imports after the importing file's own folder. Default: none. */
  includePaths?: string[];
}

/** The call kind from a method's streaming flags. */
export function callKind(requestStream: boolean, responseStream: boolean): CallKind {
  if (requestStream && responseStream) return 'bidi';
  if (requestStream) return 'client-stream';
  if (responseStream) return 'server-stream';
  return 'unary';
}

/**
 * Loads one or more `.proto` files with their imports.
 * Throws SCHEMA_LOAD_FAILED naming the file (and line, when protobufjs reports one).
 */
export async function loadProto(files: string | string[], options: LoadProtoOptions = {}): Promise<ProtoSchema> {
  installWellKnownJson();
  const list = (Array.isArray(files) ? files : [files]).map((f) => path.resolve(f));
  const includePaths = (options.includePaths ?? []).map((p) => path.resolve(p));
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    const candidates = [origin ? path.resolve(path.dirname(origin), target) : path.resolve(target), ...includePaths.map((p) => path.join(p, target))];
    return candidates.find((c) => existsSync(c)) ?? candidates[0] ?? target;
  };
  for (const file of list) if (!existsSync(file)) throw fail('SCHEMA_LOAD_FAILED', `proto file ${file} does not exist`);
  try {
    await root.load(list, { keepCase: false });
    root.resolveAll();
  } catch (err) {
    throw fail('SCHEMA_LOAD_FAILED', `cannot load ${list.join(', ')}: ${(err as Error).message}`, {
      cause: err,
      hint: includePaths.length ? undefined : 'if an import is not found, pass its folder with --proto-path',
    });
  }
  return schemaFromRoot(root, list);
}

/** Builds a {@link ProtoSchema} from an already-populated protobufjs root. */
export function schemaFromRoot(root: protobuf.Root, files: string[] = []): ProtoSchema {
  const services: ServiceDescriptor[] = [];
  const methods = new Map<string, MethodDescriptor>();
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const child of ns.nestedArray) {
      if (child instanceof protobuf.Service) {
        const name = child.fullName.replace(/^\./, '');
        const svc: ServiceDescriptor = { name, methods: [] };
        for (const m of child.methodsArray) {
          m.resolve();
          const desc: MethodDescriptor = {
            path: `/${name}/${m.name}`,
            kind: callKind(Boolean(m.requestStream), Boolean(m.responseStream)),
            service: name,
            name: m.name,
            requestType: m.resolvedRequestType as protobuf.Type,
            responseType: m.resolvedResponseType as protobuf.Type,
          };
          svc.methods.push(desc);
          methods.set(desc.path, desc);
        }
        services.push(svc);
      } else if (child instanceof protobuf.Namespace) {
        visit(child);
      }
    }
  };
  visit(root);
  return {
    root,
    services,
    methods,
    files,
    service(name) {
      const svc = services.find((s) => s.name === name);
      if (!svc) throw fail('TRANSPORT_UNKNOWN_METHOD', `service ${name} is not in the loaded schema (have: ${services.map((s) => s.name).join(', ') || 'none'})`);
      return svc;
    },
    type(name) {
      try {
        return root.lookupType(name);
      } catch (err) {
        throw fail('SCHEMA_LOAD_FAILED', `message type ${name} is not in the loaded schema`, { cause: err });
      }
    },
  };
}
