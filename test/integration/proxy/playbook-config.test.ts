import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { proxyConfigFromPlaybook } from '../../../src/playbook/proxy-config.js';
import { parseProxyConfig } from '../../../src/proxy/config.js';
import { buildMethodTable } from '../../../src/proxy/methods.js';
import { createCapture } from '../../../src/proxy/capture.js';
import { loadProto } from '../../../src/schema/load.js';

const PLAYBOOK = fileURLToPath(new URL('../../../playbooks/chat/playbook.yaml', import.meta.url));
const ENV = { LEGACY_DATABASE_URL: 'mysql://root@127.0.0.1:3306/test', NEXT_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', SWITCHYARD_ADMIN_TOKEN: 'token-with-at-least-16-chars' };

describe('playbook → proxy configuration', () => {
  it('maps the chat playbook onto a valid ProxyConfig the proxy accepts against the proto', async () => {
    const { playbook } = await loadPlaybook(PLAYBOOK, { env: ENV, loadProto: false });
    const config = parseProxyConfig(proxyConfigFromPlaybook(playbook, { proxyId: 'p1', controlUrl: 'sqlite::memory:' }));
    expect(config).toMatchObject({
      migration: 'chat',
      proxyId: 'p1',
      listen: { grpc: '0.0.0.0:50051', ws: '0.0.0.0:8080', wsPath: '/', admin: '127.0.0.1:9901' },
      upstreams: { legacy: 'grpc://127.0.0.1:50061', next: 'ws://127.0.0.1:8081/' },
      routing: { sticky: { metadata: 'x-user-id', field: 'sender' }, overrideHeader: 'x-switchyard-route', drainGraceMs: 30_000 },
      methods: { defaultClass: 'writes' },
      control: { url: 'sqlite::memory:', snapshotIntervalMs: 5_000 },
      admin: { token: ENV.SWITCHYARD_ADMIN_TOKEN },
      capture: { legacyStore: ENV.LEGACY_DATABASE_URL, nextStore: ENV.NEXT_DATABASE_URL, tables: { chat_messages: { legacyTable: 'chat_messages', nextTable: 'chat_messages', key: ['id'], versionColumn: 'version' } } },
    });
    const schema = await loadProto(config.proto.files as string[], { includePaths: [...config.proto.includePaths] });
    const methods = buildMethodTable(schema, config);
    const history = methods.get('/chat.ChatService/History')!;
    expect(history.class).toBe('reads');
    expect(history.shadow).toMatchObject({ sampleRate: 0.1, timeoutMs: 2_000, maxInFlight: 1_000, ignoreFields: ['sent_at'] });
    expect(history.stickyField).toBeTypeOf('function'); // room, from methods.History.stickyField
    expect(methods.get('/chat.ChatService/SendMessage')!.capture?.table).toBe('chat_messages');
    expect(() => createCapture({ methods, writer: { mirror: async () => undefined } })).not.toThrow();
  });
});
