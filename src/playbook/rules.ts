/** Rules that span fields: references between sections, the order of the flow, safety checks. */
import type { PlaybookIssue } from './issues.js';
import { expandStages } from './expand.js';
import type { Playbook } from './schema/playbook.js';

/** The class of a method: its list in `methodClasses`, else the default class. */
export function classOf(pb: Playbook, method: string): 'reads' | 'writes' {
  if (pb.proxy.methodClasses.reads.includes(method)) return 'reads';
  if (pb.proxy.methodClasses.writes.includes(method)) return 'writes';
  return pb.proxy.methodClasses.default;
}

function proxyRules(pb: Playbook, issues: PlaybookIssue[]): void {
  const { reads, writes } = pb.proxy.methodClasses;
  writes.forEach((m, i) => {
    if (reads.includes(m)) issues.push({ path: ['proxy', 'methodClasses', 'writes', i], message: `${m} is listed as both a read and a write` });
  });
  for (const [m, rule] of Object.entries(pb.proxy.shadow)) {
    if (classOf(pb, m) === 'writes' && !rule.safeToRepeat) {
      issues.push({ path: ['proxy', 'shadow', m, 'safeToRepeat'], message: `${m} is a write: shadowing sends it twice, so it needs safeToRepeat: true (only if repeating it is harmless)` });
    }
  }
  pb.proxy.capture.forEach((c, i) => {
    if (!pb.tables[c.table]) issues.push({ path: ['proxy', 'capture', i, 'table'], message: `unknown table "${c.table}": expected one of the logical tables under "tables" (${Object.keys(pb.tables).join(', ') || 'none defined'})` });
    if (classOf(pb, c.method) !== 'writes') issues.push({ path: ['proxy', 'capture', i, 'method'], message: `${c.method} is a read; capture rules apply to write methods` });
  });
  if (pb.proxy.capture.length && !pb.datastores) issues.push({ path: ['datastores'], message: 'required: capture rules write to the datastores' });
}

function tableRefs(pb: Playbook, issues: PlaybookIssue[]): void {
  const known = Object.keys(pb.tables);
  pb.stages.forEach((s, i) => {
    const lists: Array<[Array<string | number>, string[] | undefined]> = [[['stages', i, 'reconcile', 'tables'], s.reconcile?.tables]];
    if (s.kind === 'backfill' || s.kind === 'verify') lists.push([['stages', i, 'tables'], s.tables]);
    for (const [path, list] of lists) {
      list?.forEach((t, j) => {
        if (!pb.tables[t]) issues.push({ path: [...path, j], message: `unknown table "${t}": expected one of ${known.join(', ') || '(no tables defined)'}` });
      });
    }
    const usesTables = s.kind === 'backfill' || s.kind === 'verify' || s.reconcile !== undefined;
    if (usesTables && known.length === 0) issues.push({ path: ['stages', i, 'kind'], message: `a ${s.kind === 'backfill' ? 'backfill' : 'reconcile'} needs at least one logical table under "tables"` });
    if (usesTables && !pb.datastores) issues.push({ path: ['datastores'], message: `required: stage ${i} (${s.kind}) reads both datastores` });
  });
}

function flowRules(pb: Playbook, issues: PlaybookIssue[]): void {
  const last = pb.stages.length - 1;
  let mode = pb.initialDualWrite;
  let shiftedReads = false;
  pb.stages.forEach((s, i) => {
    if (s.kind === 'prepare' && i !== 0) issues.push({ path: ['stages', i, 'kind'], message: 'a prepare stage must be the first stage' });
    if (s.kind === 'retire' && i !== last) issues.push({ path: ['stages', i, 'kind'], message: 'a retire stage must be the last stage' });
    if (s.kind === 'shift-reads') shiftedReads = true;
    if (s.kind === 'shift-writes' && !shiftedReads && pb.stages.some((x) => x.kind === 'shift-reads')) issues.push({ path: ['stages', i, 'kind'], message: 'shift-writes must come after shift-reads (reads move first)' });
    if (s.kind === 'shift' && !s.split) issues.push({ path: ['stages', i, 'split'], message: 'required: a shift stage needs a split (reads, writes or methods)' });
    if (s.kind === 'shift-reads' && s.split?.reads !== undefined) issues.push({ path: ['stages', i, 'split', 'reads'], message: 'shift-reads sets the reads split from "steps"; remove split.reads' });
    if (s.kind === 'shift-writes' && s.split?.writes !== undefined) issues.push({ path: ['stages', i, 'split', 'writes'], message: 'shift-writes sets the writes split from "steps"; remove split.writes' });
    const stageMode = s.dualWrite ?? (s.kind === 'dual-write' ? 'dual-legacy-primary' : s.kind === 'retire' ? 'next-only' : undefined);
    if (s.kind === 'backfill' && !(stageMode ?? mode).startsWith('dual-')) {
      issues.push({ path: ['stages', i, 'kind'], message: `a backfill needs dual writes in effect (mode is ${stageMode ?? mode}): put a dual-write stage before it, or writes made during the copy are lost on the next side` });
    }
    if (stageMode) mode = stageMode;
  });
}

function nameRules(pb: Playbook, issues: PlaybookIssue[]): void {
  const seen = new Map<string, number>();
  for (const e of expandStages(pb)) {
    const prev = seen.get(e.name);
    if (prev !== undefined && prev !== e.source) issues.push({ path: ['stages', e.source, 'name'], message: `stage name "${e.name}" is already used by stages[${prev}]; names must be unique` });
    else if (prev === e.source) issues.push({ path: ['stages', e.source, 'steps'], message: `step "${e.name}" appears twice` });
    seen.set(e.name, e.source);
  }
}

/** Every cross-field problem of a schema-valid playbook. */
export function checkRules(pb: Playbook): PlaybookIssue[] {
  const issues: PlaybookIssue[] = [];
  proxyRules(pb, issues);
  tableRefs(pb, issues);
  flowRules(pb, issues);
  nameRules(pb, issues);
  return issues;
}
