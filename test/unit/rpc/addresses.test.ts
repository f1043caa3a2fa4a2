import { describe, expect, it } from 'vitest';
import { deadlineOf } from '../../../src/rpc/exchange.js';
import { addressScheme } from '../../../src/rpc/transports.js';
import { parseGrpcAddress } from '../../../src/transport/grpc-js/options.js';
import { nextState } from '../../../src/transport/grpc-js/states.js';

describe('address schemes', () => {
  it('maps each scheme to its transport family', () => {
    expect(addressScheme('grpc://127.0.0.1:50051')).toBe('grpc');
    expect(addressScheme('GRPCS://api.example.com:443')).toBe('grpc');
    expect(addressScheme('ws://127.0.0.1:8080/rpc')).toBe('ws');
    expect(addressScheme('wss://example.com/rpc')).toBe('ws');
    expect(() => addressScheme('127.0.0.1:50051')).toThrow(/needs a scheme/);
    expect(() => addressScheme('http://x:1')).toThrow(/needs a scheme/);
  });

  it('parses gRPC targets for grpc-js', () => {
    expect(parseGrpcAddress('grpc://127.0.0.1:50051')).toEqual({ target: '127.0.0.1:50051', secure: false });
    expect(parseGrpcAddress('grpcs://[::1]:443')).toEqual({ target: '[::1]:443', secure: true });
    expect(parseGrpcAddress('localhost:9')).toEqual({ target: 'localhost:9', secure: false });
    expect(() => parseGrpcAddress('ws://x:1')).toThrow(/must be host:port/);
    expect(() => parseGrpcAddress('localhost')).toThrow(/must be host:port/);
  });
});

describe('deadlines from call options', () => {
  it('takes an absolute deadline over a timeout', () => {
    expect(deadlineOf({ deadline: 5, timeoutMs: 1_000 })).toBe(5);
    expect(deadlineOf({ deadline: new Date(7) })).toBe(7);
    const d = deadlineOf({ timeoutMs: 1_000 })!;
    expect(d - Date.now()).toBeGreaterThan(900);
    expect(deadlineOf({})).toBeUndefined();
  });
});

describe('grpc-js channel states on the lifecycle diagram', () => {
  it('passes through connecting or idle where grpc-js skips a step, and skips what has no honest path', () => {
    expect(nextState('idle', 'connecting')).toEqual(['connecting']);
    expect(nextState('transient-failure', 'ready')).toEqual(['connecting', 'ready']);
    expect(nextState('ready', 'connecting')).toEqual(['idle', 'connecting']);
    expect(nextState('connecting', 'idle')).toEqual([]);
    expect(nextState('ready', 'ready')).toEqual([]);
    expect(nextState('closed', 'ready')).toEqual([]);
  });
});
