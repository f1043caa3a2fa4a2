/**
 * gRPC server reflection (`grpc.reflection.v1.ServerReflection` and the older
 * `grpc.reflection.v1alpha` that many tools still call) as a mountable {@link ServiceBundle},
 * answering from loaded schemas: list services, file by filename, file containing symbol,
 * file containing extension, extension numbers of a type.
 */
import type protobuf from 'protobufjs';
import { Code } from '../../errors.js';
import type { ProtoSchema } from '../../schema/load.js';
import { okStatus, status } from '../status.js';
import type { ServerCall } from '../transport.js';
import { buildDescriptorIndex, type DescriptorIndex } from './descriptors.js';
import { bundledBase, loadBundledProto, type ServiceBundle } from './services.js';

/** The reflection service: a bundle to mount. */
export interface ReflectionService extends ServiceBundle {
  /** Service names it lists (the schemas' services and its own). */
  readonly services: readonly string[];
}

const VERSIONS = ['v1', 'v1alpha'] as const;

interface Codec {
  Request: protobuf.Type;
  Response: protobuf.Type;
}

interface ReflectionRequest {
  host?: string;
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType?: string; extensionNumber?: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
  messageRequest?: string;
}

/**
 * Creates the reflection service over the given schemas (the user's services, and e.g. the
 * health service's `schema`). Its own schema is always included. Descriptors are built on
 * the first request.
 */
export function createReflectionService(schemas: ProtoSchema | readonly ProtoSchema[]): ReflectionService {
  const own = VERSIONS.map((v) => loadBundledProto(`grpc/reflection/${v}/reflection.proto`));
  const all: ProtoSchema[] = [...(Array.isArray(schemas) ? (schemas as readonly ProtoSchema[]) : [schemas as ProtoSchema]), ...own];
  let index: DescriptorIndex | undefined;
  const getIndex = (): DescriptorIndex => (index ??= buildDescriptorIndex(all, (s) => bundledBase.get(s)));
  const services = [...new Set(all.flatMap((s) => s.services.map((svc) => svc.name)))];
  const codecs = new Map<string, Codec>();
  const methods = VERSIONS.map((v, i) => {
    const pkg = `grpc.reflection.${v}`;
    const schema = own[i]!;
    const path = `/${pkg}.ServerReflection/ServerReflectionInfo`;
    codecs.set(path, { Request: schema.type(`${pkg}.ServerReflectionRequest`), Response: schema.type(`${pkg}.ServerReflectionResponse`) });
    return { path, kind: 'bidi' as const };
  });
  return {
    services,
    methods,
    handler(call) {
      const codec = codecs.get(call.method);
      if (codec) serve(call, codec, getIndex, services);
    },
  };
}

function serve(call: ServerCall, codec: Codec, getIndex: () => DescriptorIndex, services: readonly string[]): void {
  call.listen({
    onMessage(m) {
      let req: ReflectionRequest;
      try {
        req = codec.Request.toObject(codec.Request.decode(m), { oneofs: true }) as ReflectionRequest;
      } catch (err) {
        call.end(status(Code.INVALID_ARGUMENT, `bad ServerReflectionRequest: ${(err as Error).message}`));
        return;
      }
      const answer = respond(req, getIndex(), services);
      call.write(codec.Response.encode(codec.Response.fromObject({ validHost: req.host ?? '', originalRequest: req, ...answer })).finish());
    },
    onHalfClose() {
      call.end(okStatus());
    },
  });
}

function notFound(message: string): Record<string, unknown> {
  return { errorResponse: { errorCode: Code.NOT_FOUND, errorMessage: message } };
}

/** The file and every file it depends on, transitively, the file itself first. */
function withDeps(index: DescriptorIndex, file: string): Record<string, unknown> {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const bytes = index.files.get(name);
    if (bytes) out.push(bytes);
    for (const d of index.deps.get(name) ?? []) visit(d);
  };
  visit(file);
  return { fileDescriptorResponse: { fileDescriptorProto: out } };
}

function respond(req: ReflectionRequest, index: DescriptorIndex, services: readonly string[]): Record<string, unknown> {
  switch (req.messageRequest) {
    case 'listServices':
      return { listServicesResponse: { service: services.map((name) => ({ name })) } };
    case 'fileByFilename': {
      const name = req.fileByFilename ?? '';
      return index.files.has(name) ? withDeps(index, name) : notFound(`file "${name}" not found`);
    }
    case 'fileContainingSymbol': {
      const symbol = (req.fileContainingSymbol ?? '').replace(/^\./, '');
      const file = index.symbols.get(symbol);
      return file ? withDeps(index, file) : notFound(`symbol "${symbol}" not found`);
    }
    case 'fileContainingExtension': {
      const type = (req.fileContainingExtension?.containingType ?? '').replace(/^\./, '');
      const n = req.fileContainingExtension?.extensionNumber ?? 0;
      const file = index.extensions.get(type)?.get(n);
      return file ? withDeps(index, file) : notFound(`extension ${n} of "${type}" not found`);
    }
    case 'allExtensionNumbersOfType': {
      const type = (req.allExtensionNumbersOfType ?? '').replace(/^\./, '');
      if (!index.symbols.has(type)) return notFound(`type "${type}" not found`);
      return { allExtensionNumbersResponse: { baseTypeName: type, extensionNumber: [...(index.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b) } };
    }
    default:
      return { errorResponse: { errorCode: Code.UNIMPLEMENTED, errorMessage: 'the request sets no known message_request field' } };
  }
}
