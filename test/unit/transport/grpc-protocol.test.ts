import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../../src/errors.js';
import { formatGrpcTimeout, parseGrpcTimeout, earliestDeadline, startDeadlineTimer } from '../../../src/transport/deadline.js';
import { base64NoPad, headersToMetadata, metadataToHeaders } from '../../../src/transport/grpc/headers.js';
import { parseAddress } from '../../../src/transport/grpc/options.js';
import { codeFromHttpStatus, decodeGrpcMessage, encodeGrpcMessage, isGrpcContentType, statusFromTrailers, trailersFor } from '../../../src/transport/grpc/protocol.js';
import { Metadata } from '../../../src/transport/metadata.js';
import { status } from '../../../src/transport/status.js';

describe('grpc-message percent-encoding', () => {
  it('leaves printable ASCII alone and escapes the rest as UTF-8', () => {
    expect(encodeGrpcMessage('plain text')).toBe('plain text');
    expect(encodeGrpcMessage('50% ✓\n')).toBe('50%25 %E2%9C%93%0A');
  });
  it('round-trips any string (property) and tolerates malformed escapes', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => decodeGrpcMessage(encodeGrpcMessage(s)) === s));
    expect(decodeGrpcMessage('100%')).toBe('100%');
    expect(decodeGrpcMessage('%zz%4')).toBe('%zz%4');
  });
});

describe('grpc-timeout', () => {
  it('formats in the finest unit that fits 8 digits, rounding up', () => {
    expect(formatGrpcTimeout(1500)).toBe('1500m');
    expect(formatGrpcTimeout(0.2)).toBe('1m');
    expect(formatGrpcTimeout(-5)).toBe('0m');
    expect(formatGrpcTimeout(100_000_000)).toBe('100000S');
    expect(formatGrpcTimeout(1e14)).toBe('27777778H');
  });
  it('parses every unit and rejects malformed values', () => {
    expect(parseGrpcTimeout('2H')).toBe(7_200_000);
    expect(parseGrpcTimeout('3M')).toBe(180_000);
    expect(parseGrpcTimeout('4S')).toBe(4_000);
    expect(parseGrpcTimeout('5m')).toBe(5);
    expect(parseGrpcTimeout('6000u')).toBe(6);
    expect(parseGrpcTimeout('7000000n')).toBe(7);
    for (const bad of ['', 'S', '1', '1s', '123456789m', '-1m', '1.5S']) expect(parseGrpcTimeout(bad)).toBeUndefined();
  });
  it('format then parse never shortens a timeout (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e12 }), (ms) => parseGrpcTimeout(formatGrpcTimeout(ms))! >= ms));
  });
  it('earliestDeadline and long timers', async () => {
    expect(earliestDeadline(undefined, 5, 3, undefined)).toBe(3);
    expect(earliestDeadline()).toBeUndefined();
    let fired = false;
    startDeadlineTimer(Date.now() - 1, () => (fired = true));
    await new Promise((r) => setTimeout(r, 5));
    expect(fired).toBe(true);
    let never = false;
    startDeadlineTimer(Date.now() + 40 * 24 * 3600 * 1000, () => (never = true)).clear();
    expect(never).toBe(false);
  });
});

describe('metadata ↔ headers', () => {
  it('sends -bin values as unpadded base64 and drops reserved keys', () => {
    const md = Metadata.from({ 'x-a': ['1', '2'], 'x-b-bin': new Uint8Array([255]), 'content-type': 'text/plain', 'grpc-status': '0', te: 'x' });
    expect(metadataToHeaders(md, {})).toEqual({ 'x-a': ['1', '2'], 'x-b-bin': '/w' });
    expect(base64NoPad(new Uint8Array([1, 2]))).toBe('AQI');
  });
  it('sends non-ASCII text as UTF-8 octets and reads it back; rejects control characters', () => {
    const sent = metadataToHeaders(Metadata.from({ 'x-a': 'héllo ✓' }), {});
    expect(sent['x-a']).toBe(Buffer.from('héllo ✓').toString('latin1'));
    expect(headersToMetadata(['x-a', sent['x-a'] as string]).getText('x-a')).toBe('héllo ✓');
    expect(headersToMetadata(['x-a', 'caf\xe9']).getText('x-a')).toBe('caf\xe9'); // not UTF-8: kept as Latin-1
    expect(() => metadataToHeaders(Metadata.from({ 'x-a': 'a\r\nb' }), {})).toThrow(/control characters/);
  });
  it('reads padded, unpadded and comma-joined -bin values; skips reserved and odd keys', () => {
    const md = headersToMetadata([':status', '200', 'x-b-bin', 'AQI=', 'x-b-bin', 'AQI', 'x-c-bin', 'AQ==,Ag', 'user-agent', 'u', 'date', 'd', 'x-t', 'v', 'bad key!', 'z']);
    expect(md.getAll('x-b-bin').map((v) => [...(v as Uint8Array)])).toEqual([[1, 2], [1, 2]]);
    expect(md.getAll('x-c-bin').map((v) => [...(v as Uint8Array)])).toEqual([[1], [2]]);
    expect(md.toJSON()).toEqual({ 'x-b-bin': ['AQI=', 'AQI='], 'x-c-bin': ['AQ==', 'Ag=='], 'x-t': ['v'] });
  });
  it('status ↔ trailers', () => {
    const trailers = trailersFor(status(Code.NOT_FOUND, 'no ✓', Metadata.from({ 'x-t': 'v' }), new Uint8Array([1])), {});
    expect(trailers).toEqual({ 'grpc-status': '5', 'grpc-message': 'no %E2%9C%93', 'grpc-status-details-bin': 'AQ' });
    const raw = Object.entries({ ...trailers, 'x-t': 'v' }).flat() as string[];
    const s = statusFromTrailers(raw);
    expect(s).toMatchObject({ code: Code.NOT_FOUND, message: 'no ✓' });
    expect([...s.details!]).toEqual([1]);
    expect(s.trailers.toJSON()).toEqual({ 'x-t': ['v'] });
    expect(statusFromTrailers(['x-t', 'v']).code).toBe(Code.UNKNOWN);
  });
});

describe('protocol helpers', () => {
  it('maps HTTP statuses of non-gRPC peers', () => {
    expect([400, 401, 403, 404, 429, 502, 503, 504, 500].map(codeFromHttpStatus)).toEqual([
      Code.INTERNAL, Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.UNIMPLEMENTED, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNAVAILABLE, Code.UNKNOWN,
    ]);
  });
  it('recognises gRPC content types', () => {
    expect(['application/grpc', 'application/grpc+proto', 'application/grpc;charset=x', 'Application/GRPC'].every(isGrpcContentType)).toBe(true);
    expect(['application/grpcx', 'application/json', undefined].some(isGrpcContentType)).toBe(false);
  });
  it('parses addresses', () => {
    expect(parseAddress('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051, secure: undefined });
    expect(parseAddress('grpcs://api.example.com:443')).toEqual({ host: 'api.example.com', port: 443, secure: true });
    expect(parseAddress('grpc://[::1]:9000')).toEqual({ host: '::1', port: 9000, secure: false });
    expect(() => parseAddress('no-port')).toThrow(/TRANSPORT_BAD_ADDRESS/);
  });
});
