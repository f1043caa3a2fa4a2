/**
 * Service bundles: a set of methods with the handler that serves them, so ready-made
 * services (health, reflection) can be mounted on a server next to the user's methods:
 *
 *     const { methods, handler } = combineServices(userBundle, health, reflection);
 *     createGrpcServer({ methods, handler });
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { fail } from '../../errors.js';
import { schemaFromRoot, type ProtoSchema } from '../../schema/load.js';
import type { CallHandler, MethodInfo } from '../transport.js';

/** Methods and the handler serving them. */
export interface ServiceBundle {
  /** The methods served. */
  readonly methods: readonly MethodInfo[];
  /** Receives every call to one of them. */
  readonly handler: CallHandler;
}

/**
 * Combines bundles into one: every method of each, and a handler dispatching by path.
 * Throws INVALID_ARGUMENT when two bundles serve the same path.
 */
export function combineServices(...bundles: ServiceBundle[]): ServiceBundle {
  const byPath = new Map<string, CallHandler>();
  const methods: MethodInfo[] = [];
  for (const b of bundles) {
    for (const m of b.methods) {
      if (byPath.has(m.path)) throw fail('INVALID_ARGUMENT', `method ${m.path} is served by two service bundles`);
      byPath.set(m.path, b.handler);
      methods.push(m);
    }
  }
  return {
    methods,
    handler(call) {
      // Every path reaching here was admitted from `methods`, so the lookup always succeeds.
      byPath.get(call.method)!(call);
    },
  };
}

/** Base folder of each bundled schema, for the file names reflection reports. */
export const bundledBase = new WeakMap<ProtoSchema, string>();

function protosDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'protos'), path.resolve(here, '../../../../src/transport/grpc/protos')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw fail('SCHEMA_LOAD_FAILED', `bundled gRPC .proto files not found (looked in ${candidates.join(', ')})`);
  return found;
}

const cache = new Map<string, ProtoSchema>();

/** Loads one of the bundled `.proto` files (`grpc/health/v1/health.proto`, …) at run time. */
export function loadBundledProto(name: string): ProtoSchema {
  const hit = cache.get(name);
  if (hit) return hit;
  const dir = protosDir();
  const file = path.join(dir, name);
  let schema: ProtoSchema;
  try {
    const root = new protobuf.Root();
    root.loadSync(file, { keepCase: false });
    root.resolveAll();
    schema = schemaFromRoot(root, [file]);
  } catch (err) {
    throw fail('SCHEMA_LOAD_FAILED', `cannot load bundled proto ${name}: ${(err as Error).message}`, { cause: err });
  }
  bundledBase.set(schema, dir);
  cache.set(name, schema);
  return schema;
}
