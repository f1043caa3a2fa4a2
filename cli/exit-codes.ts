/** Documented exit codes (docs/cli.md). */
export const EXIT = Object.freeze({
  /** Success (reconcile: consistent). */
  OK: 0,
  /** The check failed (reconcile: mismatches remain; run: rolled back or aborted). */
  FAILED: 1,
  /** An error: bad input, unreachable database, internal failure. */
  ERROR: 2,
  /** Bad command-line usage. */
  USAGE: 64,
  /** Stopped by SIGINT/SIGTERM (run: the rollout stays where it was; rerun to resume). */
  INTERRUPTED: 130,
});
