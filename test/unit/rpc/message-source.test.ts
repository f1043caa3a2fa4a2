import { describe, expect, it } from 'vitest';
import { Code, SwitchyardError } from '../../../src/errors.js';
import { MessageSource } from '../../../src/rpc/message-source.js';

function source(highWater = 4) {
  const log: string[] = [];
  const s = new MessageSource<string>((b) => Buffer.from(b).toString(), {
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
    onReturn: () => log.push('return'),
  }, highWater);
  return { s, log };
}
const bytes = (t: string): Uint8Array => Buffer.from(t);

describe('MessageSource', () => {
  it('delivers pushed messages in order, then ends', async () => {
    const { s } = source();
    s.push(bytes('a'));
    s.push(bytes('b'));
    s.end();
    const got: string[] = [];
    for await (const m of s) got.push(m);
    expect(got).toEqual(['a', 'b']);
  });

  it('resolves a waiting reader when a message arrives', async () => {
    const { s } = source();
    const next = s.next();
    s.push(bytes('x'));
    expect(await next).toEqual({ done: false, value: 'x' });
  });

  it('pauses the call at the high-water mark and resumes once the reader caught up', async () => {
    const { s, log } = source(4);
    for (const t of ['1', '2', '3', '4', '5']) s.push(bytes(t));
    expect(log).toEqual(['pause']);
    await s.next();
    await s.next();
    expect(log).toEqual(['pause']);
    await s.next();
    expect(log).toEqual(['pause', 'resume']);
  });

  it('fails the reader after the held messages', async () => {
    const { s } = source();
    s.push(bytes('a'));
    s.fail(new SwitchyardError('gone', { code: Code.UNAVAILABLE }));
    expect(await s.next()).toEqual({ done: false, value: 'a' });
    await expect(s.next()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
  });

  it('return() drops held messages and tells the call once', async () => {
    const { s, log } = source();
    s.push(bytes('a'));
    await s.return();
    await s.return();
    s.push(bytes('b'));
    expect(await s.next()).toEqual({ done: true, value: undefined });
    expect(log).toEqual(['return']);
  });

  it('a decode error surfaces in the reader as a SwitchyardError', async () => {
    const s = new MessageSource<string>(() => {
      throw new Error('bad bytes');
    }, { pause() {}, resume() {} });
    s.push(bytes('a'));
    await expect(s.next()).rejects.toBeInstanceOf(SwitchyardError);
  });
});
