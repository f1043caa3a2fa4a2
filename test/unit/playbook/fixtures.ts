/** A small valid playbook as text, and a helper to parse variants of it without touching the disk. */
import { parsePlaybook, type LoadedPlaybook } from '../../../src/playbook/load.js';
import { SwitchyardError } from '../../../src/errors.js';

export const ENV = { LEGACY_URL: 'mysql://app:s3cret@db:3306/chat', NEXT_URL: 'postgres://app@db2:5432/chat', ADMIN_TOKEN: 'tok-123' };

export const BASE = `
version: 1
migration: chat
service: { protos: [chat.proto] }
proxy:
  listeners: { grpcListen: 127.0.0.1:50051, wsListen: 127.0.0.1:8080 }
  upstreams:
    legacy: { transport: grpc, address: 127.0.0.1:50061 }
    next: { transport: ws, address: ws://127.0.0.1:8081/ }
  methodClasses:
    reads: [/chat.ChatService/History]
    writes: [/chat.ChatService/SendMessage]
  adminToken: \${ADMIN_TOKEN}
datastores:
  legacy: { url: "\${LEGACY_URL}" }
  next: { url: "\${NEXT_URL}" }
tables:
  messages: { key: [id], version: version }
stages:
  - kind: prepare
  - kind: dual-write
  - kind: backfill
  - kind: verify
  - kind: shift-reads
    steps: [1, 50, 100]
    hold: 10m
  - kind: shift-writes
    steps: [100]
  - kind: retire
`;

/** Parses text (no .proto loading). */
export function parse(text: string, env: Record<string, string> = ENV): Promise<LoadedPlaybook> {
  return parsePlaybook(text, 'test.yaml', { env, loadProto: false, dir: '/srv/pb' });
}

/** The error `parse` throws, or fails the test. */
export async function parseError(text: string, env: Record<string, string> = ENV): Promise<SwitchyardError> {
  try {
    await parse(text, env);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected the playbook to be rejected');
}

/** The issues of an error as `path: message` strings. */
export function issues(e: SwitchyardError): string[] {
  return (e.details['issues'] as Array<{ path: string; message: string }>).map((i) => `${i.path}: ${i.message}`);
}
