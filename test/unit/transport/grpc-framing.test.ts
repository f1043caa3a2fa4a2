import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, type SwitchyardError } from '../../../src/errors.js';
import { FrameDecoder, frameMessage } from '../../../src/transport/grpc/framing.js';

function decodeAll(chunks: Buffer[], max = 1 << 20): { messages: Buffer[]; errors: SwitchyardError[]; decoder: FrameDecoder } {
  const messages: Buffer[] = [];
  const errors: SwitchyardError[] = [];
  const decoder = new FrameDecoder(max, { onMessage: (m) => messages.push(Buffer.from(m)), onFrameError: (e) => errors.push(e) });
  for (const c of chunks) decoder.push(c);
  return { messages, errors, decoder };
}

/** Splits a buffer at the given cut points. */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of sorted) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('FrameDecoder', () => {
  it('parses many messages in one chunk, including empty ones', () => {
    const wire = Buffer.concat([frameMessage(Buffer.from('a')), frameMessage(Buffer.alloc(0)), frameMessage(Buffer.from('bcd'))]);
    const { messages, decoder } = decodeAll([wire]);
    expect(messages.map(String)).toEqual(['a', '', 'bcd']);
    expect(decoder.midMessage).toBe(false);
  });

  it('hands out views of the chunk for messages that fit in it', () => {
    const wire = frameMessage(Buffer.from('hello'));
    let got: Uint8Array | undefined;
    new FrameDecoder(100, { onMessage: (m) => (got = m), onFrameError: () => {} }).push(wire);
    expect(got!.buffer).toBe(wire.buffer);
  });

  it('reassembles messages and prefixes split at any point (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), (msgs, points) => {
        const wire = Buffer.concat(msgs.map((m) => frameMessage(m)));
        const { messages, errors, decoder } = decodeAll(cut(wire, points));
        expect(errors).toEqual([]);
        expect(messages).toEqual(msgs.map((m) => Buffer.from(m)));
        expect(decoder.midMessage).toBe(false);
      }),
    );
  });

  it('reports a partial message at the end of input', () => {
    const { decoder } = decodeAll([Buffer.from([0, 0, 0, 0, 9, 1, 2])]);
    expect(decoder.midMessage).toBe(true);
    expect(decoder.describePartial()).toBe('stream ended inside a message: got 2 of 9 bytes');
    const p = decodeAll([Buffer.from([0, 0])]).decoder;
    expect(p.describePartial()).toBe('stream ended inside a message prefix: got 2 of 5 bytes');
  });

  it('rejects bad flags, compressed messages and oversized lengths, then stops', () => {
    const bad = decodeAll([Buffer.concat([frameMessage(Buffer.from('ok')), Buffer.from([2, 0, 0, 0, 0]), frameMessage(Buffer.from('never'))])]);
    expect(bad.messages.map(String)).toEqual(['ok']);
    expect(bad.errors).toHaveLength(1);
    expect(bad.errors[0]!.code).toBe(Code.INTERNAL);
    expect(bad.errors[0]!.message).toMatch(/at byte 7: flag byte 0x02/);
    const compressed = decodeAll([Buffer.from([1, 0, 0, 0, 1, 0])]);
    expect(compressed.errors[0]!.id).toBe('TRANSPORT_COMPRESSED_MESSAGE');
    const big = decodeAll([Buffer.from([0, 0, 0, 4, 1])], 1024);
    expect(big.errors[0]!.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(big.errors[0]!.message).toMatch(/1025 bytes, larger than the maximum of 1024/);
  });
});
