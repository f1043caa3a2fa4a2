/**
 * The health and reflection services mounted on the native server, queried by a grpc-js
 * client the way standard tools (grpc_health_probe, grpcurl) query them.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { loadProto, type ProtoSchema } from '../../../src/schema/load.js';
import { combineServices, createGrpcServer, createHealthService, createReflectionService, loadBundledProto, type HealthService } from '../../../src/transport/grpc/index.js';
import type { ServerTransport } from '../../../src/transport/transport.js';
import { grpcJsClient, runGrpcJsCall } from '../../helpers/grpc-test-service.js';

const identity = (b: Buffer): Buffer => b;
const health = loadBundledProto('grpc/health/v1/health.proto');
const HealthReq = health.type('grpc.health.v1.HealthCheckRequest');
const HealthRes = health.type('grpc.health.v1.HealthCheckResponse');
const check = (service: string): Buffer => Buffer.from(HealthReq.encode({ service }).finish());
const statusOf = (b: Buffer): number => (HealthRes.decode(b) as unknown as { status: number }).status;

describe('health and reflection on the native server', () => {
  let chat: ProtoSchema;
  let server: ServerTransport;
  let healthService: HealthService;
  let client: grpc.Client;

  beforeAll(async () => {
    chat = await loadProto('playbooks/chat/chat.proto');
    healthService = createHealthService({ initial: { '': 'SERVING', 'chat.ChatService': 'SERVING' } });
    const reflection = createReflectionService([chat, healthService.schema]);
    const { methods, handler } = combineServices(healthService, reflection);
    server = createGrpcServer({ methods, handler });
    const { port } = await server.listen();
    client = grpcJsClient(`127.0.0.1:${port}`);
  });
  afterAll(async () => {
    client.close();
    await server.shutdown(100);
  });

  it('Check answers per service, NOT_FOUND for unknown ones', async () => {
    const r = await runGrpcJsCall(client, { path: '/grpc.health.v1.Health/Check', kind: 'unary' }, [check('chat.ChatService')]);
    expect(r.status.code).toBe(0);
    expect(statusOf(r.messages[0]!)).toBe(1);
    const overall = await runGrpcJsCall(client, { path: '/grpc.health.v1.Health/Check', kind: 'unary' }, [check('')]);
    expect(statusOf(overall.messages[0]!)).toBe(1);
    const unknown = await runGrpcJsCall(client, { path: '/grpc.health.v1.Health/Check', kind: 'unary' }, [check('nope.Service')]);
    expect(unknown.status.code).toBe(Code.NOT_FOUND);
  });

  it('Watch sends the current status and every change', async () => {
    const call = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', identity, identity, check('chat.ChatService'));
    const seen: number[] = [];
    call.on('data', (m: Buffer) => seen.push(statusOf(m)));
    call.on('error', () => {});
    const until = async (n: number): Promise<void> => {
      for (let i = 0; i < 300 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(1);
    healthService.setStatus('chat.ChatService', 'NOT_SERVING');
    await until(2);
    healthService.setStatus('chat.ChatService', 'NOT_SERVING'); // no change, no message
    healthService.setStatus('chat.ChatService', 'SERVING');
    await until(3);
    call.cancel();
    expect(seen).toEqual([1, 2, 1]);
    const unknown = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', identity, identity, check('later.Service'));
    const first = await new Promise<number>((resolve) => unknown.once('data', (m: Buffer) => resolve(statusOf(m))));
    unknown.on('error', () => {});
    unknown.cancel();
    expect(first).toBe(3); // SERVICE_UNKNOWN
  });

  for (const version of ['v1', 'v1alpha'] as const) {
    describe(`reflection ${version}`, () => {
      const refl = loadBundledProto(`grpc/reflection/${version}/reflection.proto`);
      const Req = refl.type(`grpc.reflection.${version}.ServerReflectionRequest`);
      const Res = refl.type(`grpc.reflection.${version}.ServerReflectionResponse`);
      type Answer = {
        listServicesResponse?: { service: Array<{ name: string }> };
        fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
        errorResponse?: { errorCode: number; errorMessage: string };
      };
      const ask = async (...requests: Array<Record<string, unknown>>): Promise<Answer[]> => {
        const r = await runGrpcJsCall(
          client,
          { path: `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, kind: 'bidi' },
          requests.map((q) => Buffer.from(Req.encode(Req.fromObject(q)).finish())),
        );
        expect(r.status.code).toBe(0);
        return r.messages.map((m) => Res.toObject(Res.decode(m), { defaults: false }) as Answer);
      };
      const FileDescriptorProto = (descriptor as unknown as Record<string, protobuf.Type>)['FileDescriptorProto']!;
      const FileDescriptorSet = (descriptor as unknown as Record<string, protobuf.Type>)['FileDescriptorSet']!;

      it('lists services', async () => {
        const [a] = await ask({ listServices: '' });
        expect(a!.listServicesResponse!.service.map((s) => s.name).sort()).toEqual(
          ['chat.ChatService', 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'].sort(),
        );
      });

      it('file containing a symbol comes with its dependencies and rebuilds into a usable schema', async () => {
        const [bySymbol, byMethod, byFile] = await ask(
          { fileContainingSymbol: 'chat.ChatService' },
          { fileContainingSymbol: 'chat.ChatService.SendMessage' },
          { fileByFilename: 'google/protobuf/timestamp.proto' },
        );
        const files = bySymbol!.fileDescriptorResponse!.fileDescriptorProto.map((b) => FileDescriptorProto.decode(b) as unknown as { name: string; dependency: string[] });
        expect(files.map((f) => f.name)).toEqual(['chat.proto', 'google/protobuf/timestamp.proto']);
        expect(files[0]!.dependency).toEqual(['google/protobuf/timestamp.proto']);
        expect(byMethod!.fileDescriptorResponse!.fileDescriptorProto.length).toBe(2);
        expect(byFile!.fileDescriptorResponse!.fileDescriptorProto.length).toBe(1);
        // A reflection client (here protobufjs) can rebuild the service and encode with it.
        const set = FileDescriptorSet.create({ file: bySymbol!.fileDescriptorResponse!.fileDescriptorProto.map((b) => FileDescriptorProto.decode(b)) });
        const root = (protobuf.Root as unknown as { fromDescriptor(d: unknown, o?: unknown): protobuf.Root }).fromDescriptor(set, { keepCase: true });
        const svc = root.lookupService('chat.ChatService');
        expect(Object.keys(svc.methods)).toEqual(['ExchangeMessages', 'SendMessage', 'History', 'UploadBatch']);
        const Stored = root.lookupType('chat.StoredMessage');
        expect(Object.keys(Stored.fields)).toContain('sent_at');
        const original = chat.type('chat.StoredMessage');
        const bytes = original.encode(original.fromObject({ id: 'a', content: 'hi', sentAt: { seconds: 5, nanos: 7 } })).finish();
        expect(Stored.toObject(Stored.decode(bytes), { longs: Number })).toMatchObject({ id: 'a', content: 'hi', sent_at: { seconds: 5, nanos: 7 } });
      });

      it('health.proto describes a map field protoc-style', async () => {
        const [a] = await ask({ fileContainingSymbol: 'grpc.health.v1.Health' });
        const file = FileDescriptorProto.toObject(FileDescriptorProto.decode(a!.fileDescriptorResponse!.fileDescriptorProto[0]!)) as {
          name: string;
          messageType: Array<{ name: string; field?: Array<{ typeName?: string }>; nestedType?: Array<{ name: string }> }>;
        };
        expect(file.name).toBe('grpc/health/v1/health.proto');
        const list = file.messageType.find((m) => m.name === 'HealthListResponse')!;
        expect(list.nestedType?.[0]?.name).toBe('StatusesEntry');
        expect(list.field?.[0]?.typeName).toBe('.grpc.health.v1.HealthListResponse.StatusesEntry');
      });

      it('unknown symbols and files answer NOT_FOUND in an error response', async () => {
        const [sym, file] = await ask({ fileContainingSymbol: 'nope.Nothing' }, { fileByFilename: 'nope.proto' });
        expect(sym!.errorResponse).toMatchObject({ errorCode: Code.NOT_FOUND });
        expect(file!.errorResponse).toMatchObject({ errorCode: Code.NOT_FOUND });
      });
    });
  }
});
