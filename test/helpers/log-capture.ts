/** A real pino logger whose JSON lines are kept in memory, to assert on structured logs. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/observability/logger.js';

/** A logger and the entries it wrote. */
export interface CapturedLog {
  logger: Logger;
  entries: Array<Record<string, unknown> & { level: number; msg: string }>;
  /** Entries at warn (40) or above. */
  warnings(): Array<Record<string, unknown> & { level: number; msg: string }>;
}

/** Creates a logger at `level` (default debug) that records every entry. */
export function captureLog(level: pino.LevelWithSilent = 'debug'): CapturedLog {
  const entries: CapturedLog['entries'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) entries.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, sink), entries, warnings: () => entries.filter((e) => e.level >= 40) };
}
