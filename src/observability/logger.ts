/**
 * Logging (pino). Pretty lines on a TTY, JSON lines otherwise. Library code takes a
 * `Logger` as an option and falls back to a silent one; only the CLI builds the real one.
 */
import { pino, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

/** The logger type used throughout switchyard. */
export type Logger = PinoLogger;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level. Default `info`. */
  level?: LevelWithSilent;
  /** Pretty, coloured output. Default: when stderr is a TTY. */
  pretty?: boolean;
  /** Where to write. Default: stderr (fd 2), so stdout stays free for `--json` output. */
  destination?: number | NodeJS.WritableStream;
}

/** Keys whose values are never logged. */
export const REDACTED_PATHS = ['password', '*.password', 'url', '*.url', 'token', '*.token', 'authorization', '*.authorization'];

/** Builds the process logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const redact = { paths: REDACTED_PATHS, censor: '[redacted]' };
  if (pretty && typeof options.destination !== 'object') {
    return pino({ level, redact, transport: { target: 'pino-pretty', options: { destination: options.destination ?? 2, colorize: true } } });
  }
  const dest = typeof options.destination === 'object' ? options.destination : pino.destination({ fd: options.destination ?? 2, sync: true });
  return pino({ level, redact }, dest);
}

/** A logger that drops everything: the default for library code. */
export const silentLogger: Logger = pino({ level: 'silent' });
