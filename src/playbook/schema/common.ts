/** Building blocks shared by the playbook's sections. */
import { z } from 'zod';
import { parseDuration } from '../duration.js';

/** A duration with a unit (`30s`, `5m`, `1h30m`, `250ms`), validated into milliseconds. */
export const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, { message: 'expected a duration with a unit, like "250ms", "30s", "5m" or "1h30m"' })
  .transform((s) => parseDuration(s)!)
  .describe('a duration with a unit: 250ms, 30s, 5m, 1h30m');

/** A traffic share in percent, 0–100 with at most two decimals (0.01 % granularity). */
export const percent = z
  .number()
  .min(0, { message: 'expected a percentage from 0 to 100' })
  .max(100, { message: 'expected a percentage from 0 to 100' })
  .refine((p) => Math.abs(Math.round(p * 100) - p * 100) < 1e-6, { message: 'expected at most two decimals (granularity is 0.01 %)' })
  .describe('percent of calls sent to the next upstream, 0–100, two decimals at most');

/** A fraction 0–1. */
export const fraction = z.number().min(0, { message: 'expected a fraction from 0 to 1' }).max(1, { message: 'expected a fraction from 0 to 1' });

/** A gRPC method path: `/package.Service/Method`. */
export const methodPath = z
  .string()
  .regex(/^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/, { message: 'expected a method path like "/chat.ChatService/SendMessage"' })
  .describe('a method path: /package.Service/Method');

/** A short identifier: letters, digits, `_`, `.`, `-`; starts with a letter or digit. */
export const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][\w.-]{0,127}$/, { message: 'expected a name of letters, digits, "_", "." or "-" (at most 128 characters)' });

/** `host:port` (or `[ipv6]:port`). */
export const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d{1,5}$/, { message: 'expected host:port, like "127.0.0.1:50051"' })
  .describe('host:port');

/** A positive integer. */
export const positiveInt = z.number().int({ message: 'expected a whole number' }).positive({ message: 'expected a number above 0' });

/** A dual-write mode (see the DualWriter): which stores a write reaches and which one is primary. */
export const dualWriteMode = z
  .enum(['legacy-only', 'dual-legacy-primary', 'dual-next-primary', 'next-only'])
  .describe('legacy-only | dual-legacy-primary | dual-next-primary | next-only');

/**
 * A hook: exactly one of `command` (run by /bin/sh in the playbook's folder, with
 * SWITCHYARD_MIGRATION, SWITCHYARD_STAGE, SWITCHYARD_STAGE_INDEX, SWITCHYARD_HOOK and
 * SWITCHYARD_REASON in its environment) or `webhook` (an HTTP POST with a JSON body).
 */
export const hook = z
  .strictObject({
    name: identifier.optional().describe('name shown in the audit trail; default: the command or URL host'),
    command: z.string().min(1).optional().describe('shell command; exit code 0 = success'),
    webhook: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).optional().describe('URL to POST a JSON body to; 2xx = success'),
    headers: z.record(z.string(), z.string()).optional().describe('extra HTTP headers for a webhook; secrets as ${ENV_VAR}'),
    timeout: duration.optional().describe('kill / abandon the hook after this long; default 60s for commands, 10s for webhooks'),
    idempotent: z
      .boolean()
      .default(false)
      .describe('safe to run again when the controller was killed while it ran; default false (an interrupted hook is reported as failed, never re-run)'),
  })
  .superRefine((h, ctx) => {
    if ((h.command === undefined) === (h.webhook === undefined)) ctx.addIssue({ code: 'custom', message: 'a hook needs exactly one of "command" or "webhook"' });
    if (h.headers && h.command !== undefined) ctx.addIssue({ code: 'custom', path: ['headers'], message: '"headers" applies to webhooks only' });
  });

/** Hook lists for the points of a stage. */
export const stageHooks = z.strictObject({
  preStage: z.array(hook).default([]).describe('run before the stage takes effect; a failure blocks the stage (the rollout pauses)'),
  postStage: z.array(hook).default([]).describe('run after the stage held; failures are recorded, they do not block'),
});
