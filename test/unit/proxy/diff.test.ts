import { describe, expect, it } from 'vitest';
import { compileIgnore, diffValues } from '../../../src/proxy/diff.js';
import { compareAnswers, withoutNoise } from '../../../src/proxy/shadow-compare.js';
import { encodeMessage } from '../../../src/schema/codec.js';
import { okStatus, status } from '../../../src/transport/status.js';
import { Code } from '../../../src/errors.js';
import { chatSchema } from './fixtures.js';

describe('diffValues', () => {
  it('reports differing leaves with their paths', () => {
    const d = diffValues({ a: 1, b: { c: 'x', d: [1, 2] } }, { a: 1, b: { c: 'y', d: [1, 3, 4] } });
    expect(d).toEqual([
      { path: 'b.c', primary: 'x', shadow: 'y' },
      { path: 'b.d[1]', primary: 2, shadow: 3 },
      { path: 'b.d[2]', primary: undefined, shadow: 4 },
    ]);
  });

  it('ignores fields by path, with list indexes, * and ** wildcards and snake_case names', () => {
    const a = { id: '1', sentAt: 't1', items: [{ id: 'a', v: 1 }, { id: 'b', v: 2 }], meta: { trace: { id: 'z' } } };
    const b = { id: '2', sentAt: 't2', items: [{ id: 'c', v: 1 }, { id: 'd', v: 3 }], meta: { trace: { id: 'y' } } };
    const ignore = compileIgnore(['sent_at', 'items[].id', '**.trace']);
    expect(diffValues(a, b, { ignore }).map((x) => x.path)).toEqual(['id', 'items[1].v']);
    expect(diffValues(a, b, { ignore: compileIgnore(['**.id', 'sentAt']) }).map((x) => x.path)).toEqual(['items[1].v']);
    expect(diffValues(a, b, { ignore: compileIgnore(['*.trace', 'id', 'sentAt', 'items']) })).toEqual([]);
  });

  it('stops at maxDiffs', () => {
    const a = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    expect(diffValues(a, {}, { maxDiffs: 5 })).toHaveLength(5);
  });
});

describe('compareAnswers', () => {
  it('takes the byte-equal fast path, then diffs decoded fields, streams message by message', async () => {
    const schema = await chatSchema();
    const t = schema.type('chat.StoredMessage');
    const m = (id: string, content: string, sec: number) => encodeMessage(t, { id, content, sender: 's', sentAt: new Date(sec * 1000).toISOString() });
    const primary = { messages: [m('1', 'hi', 1), m('2', 'yo', 2)], status: okStatus() };
    expect(compareAnswers(t, primary, { messages: [m('1', 'hi', 1), m('2', 'yo', 2)], status: okStatus() }, compileIgnore([]), true)).toEqual([]);
    const shadow = { messages: [m('x', 'hi', 5), m('2', 'YO', 2)], status: okStatus() };
    const all = compareAnswers(t, primary, shadow, compileIgnore([]), true);
    expect(all.map((d) => d.path)).toEqual(['[0].id', '[0].sentAt', '[1].content']);
    expect(compareAnswers(t, primary, shadow, compileIgnore(['id', 'sent_at']), true)).toEqual([{ path: '[1].content', primary: 'yo', shadow: 'YO' }]);
  });

  it('reports a status or message-count difference', async () => {
    const t = (await chatSchema()).type('chat.SendReply');
    const d = compareAnswers(t, { messages: [encodeMessage(t, { id: '1' })], status: okStatus() }, { messages: [], status: status(Code.INTERNAL, 'boom') }, compileIgnore([]), false);
    expect(d).toEqual([
      { path: '$status.code', primary: 'OK', shadow: 'INTERNAL' },
      { path: '$messages.length', primary: 1, shadow: 0 },
    ]);
  });

  it('noise filter drops paths legacy differs on against itself', () => {
    const diffs = [
      { path: 'id', primary: 1, shadow: 2 },
      { path: 'content', primary: 'a', shadow: 'b' },
    ];
    expect(withoutNoise(diffs, [{ path: 'id', primary: 1, shadow: 3 }])).toEqual({ kept: [diffs[1]], discounted: 1 });
  });
});
