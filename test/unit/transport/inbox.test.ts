import { describe, expect, it } from 'vitest';
import { Inbox } from '../../../src/transport/inbox.js';

function recorder() {
  const seen: string[] = [];
  return { seen, listener: { onMessage: (m: Uint8Array) => seen.push(Buffer.from(m).toString()) } };
}
const msg = (s: string) => Buffer.from(s);

describe('Inbox', () => {
  it('holds messages until a listener is set, then delivers them in order before the end', () => {
    const consumed: number[] = [];
    const inbox = new Inbox<{ onMessage(m: Uint8Array): void }>({ onConsumed: (n) => consumed.push(n) });
    inbox.push(msg('a'));
    inbox.push(msg('bb'));
    expect(inbox.queuedBytes).toBe(3);
    const r = recorder();
    inbox.end(() => r.seen.push('<end>'));
    inbox.listen(r.listener);
    expect(r.seen).toEqual(['a', 'bb', '<end>']);
    expect(consumed).toEqual([1, 2]);
    expect(inbox.queuedBytes).toBe(0);
  });

  it('keeps messages while paused, and the end waits behind them until resume', () => {
    const changes: boolean[] = [];
    const inbox = new Inbox<{ onMessage(m: Uint8Array): void }>({ onPausedChange: (p) => changes.push(p) });
    const r = recorder();
    inbox.listen(r.listener);
    inbox.push(msg('1'));
    inbox.pause();
    inbox.push(msg('2'));
    inbox.end(() => r.seen.push('<end>'));
    inbox.push(msg('late'));
    expect(r.seen).toEqual(['1']);
    inbox.resume();
    expect(r.seen).toEqual(['1', '2', '<end>']);
    expect(changes).toEqual([true, false]);
  });

  it('clear() drops held messages but keeps the end', () => {
    const inbox = new Inbox<{ onMessage(m: Uint8Array): void }>();
    const r = recorder();
    inbox.listen(r.listener);
    inbox.pause();
    inbox.push(msg('x'));
    inbox.end(() => r.seen.push('<end>'));
    inbox.clear();
    inbox.resume();
    expect(r.seen).toEqual(['<end>']);
  });

  it('delivers a message pushed from inside onMessage after the current one (no reentrancy)', () => {
    const inbox = new Inbox<{ onMessage(m: Uint8Array): void }>();
    const seen: string[] = [];
    inbox.listen({
      onMessage(m) {
        const s = Buffer.from(m).toString();
        seen.push(`start ${s}`);
        if (s === 'a') inbox.push(msg('b'));
        seen.push(`done ${s}`);
      },
    });
    inbox.pause();
    inbox.push(msg('a'));
    inbox.resume();
    expect(seen).toEqual(['start a', 'done a', 'start b', 'done b']);
  });
});
