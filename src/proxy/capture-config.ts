/**
 * Capture rules: how a write method's request (and, where needed, response) becomes a row
 * of a logical table, so the proxy can write it to the store the serving upstream does not
 * own (through the DualWriter's outbox).
 *
 *     { method: '/chat.ChatService/SendMessage', table: 'messages',
 *       columns: { id: 'response.id', room: 'request.room', content: 'request.content',
 *                  sent_at: 'response.sent_at', version: { value: 1 } } }
 *
 * A source is `request.<path>`, `response.<path>`, `metadata.<key>` or `{ value }`. A path
 * walks field names (`sent_at` or `sentAt`); `[$index]` is the index of the request message
 * a row comes from (with `each: 'request-message'`), `[N]` a fixed index. On a streaming
 * response `response[$index]` / `response[N]` pick a message; plain `response` is the last.
 * Values are the proto3 JSON mapping (64-bit integers as strings; a Timestamp becomes
 * `YYYY-MM-DD HH:MM:SS.mmm` UTC), converted to each column's type by the DualWriter.
 */
import { z } from 'zod';

const SEGMENT = '[A-Za-z_][A-Za-z0-9_]*(\\[(\\$index|\\d+)\\])?';
/** Where a captured column's value comes from: a request/response field path, a metadata key, or `{ value }`. */
export const CAPTURE_SOURCE_SCHEMA = z.union([
  z.string().regex(new RegExp(`^(request|response)(\\[(\\$index|\\d+)\\])?(\\.${SEGMENT})*$`), 'expected request.<field path>, response.<field path> or metadata.<key>'),
  z.string().regex(/^metadata\.[0-9a-z_.-]+$/, 'expected metadata.<lower-case key>'),
  z.object({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).strict(),
]);

/** The schema of one capture rule. */
export const CAPTURE_RULE_SCHEMA = z
  .object({
    /** `/pkg.Service/Method` of a write method. */
    method: z.string().regex(/^\/[^/\s]+\/[^/\s]+$/, 'expected /package.Service/Method'),
    /** Logical table (a key of `tables`). */
    table: z.string().min(1).max(128),
    /** `upsert` (default) or `delete` (only the key columns are needed). */
    op: z.enum(['upsert', 'delete']).default('upsert'),
    /** One row per call (`call`, default) or per request message (`request-message`, for client-streaming and bidi writes). */
    each: z.enum(['call', 'request-message']).default('call'),
    /** Logical column → source. */
    columns: z.record(z.string().min(1), CAPTURE_SOURCE_SCHEMA),
  })
  .strict();

/** A logical table as the DualWriter takes it (see `src/store/dual/mapping.ts`). */
const TABLE_SCHEMA = z
  .object({
    legacyTable: z.string().min(1).optional(),
    nextTable: z.string().min(1).optional(),
    key: z.array(z.string().min(1)).min(1).optional(),
    columns: z.record(z.string().min(1), z.object({ legacy: z.string().optional(), next: z.string().optional() }).strict()).optional(),
    versionColumn: z.string().min(1).optional(),
  })
  .strict();

/** The `capture` part of the proxy configuration. */
export const CAPTURE_CONFIG_SCHEMA = z
  .object({
    /** Store URL the legacy upstream owns (`mysql://…`; `${ENV}` / `env:NAME` references allowed). Default none. */
    legacyStore: z.string().min(1).nullable().default(null),
    /** Store URL the next upstream owns. Default none. */
    nextStore: z.string().min(1).nullable().default(null),
    /** Logical tables by name. Default none. */
    tables: z.record(z.string().min(1), TABLE_SCHEMA).default({}),
    /** Capture rules. Default none. */
    rules: z.array(CAPTURE_RULE_SCHEMA).default([]),
    /** Outbox namespace shared with the migration's other writers and relays. Default: the migration name. */
    namespace: z.string().min(1).max(128).nullable().default(null),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.rules.length > 0 && (!c.legacyStore || !c.nextStore)) ctx.addIssue({ code: 'custom', path: [], message: 'capture rules need both legacyStore and nextStore' });
    c.rules.forEach((r, i) => {
      if (!(r.table in c.tables)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'table'], message: `table "${r.table}" is not in capture.tables (have: ${Object.keys(c.tables).join(', ') || 'none'})` });
    });
  });

/** A validated capture rule. */
export type CaptureRule = z.output<typeof CAPTURE_RULE_SCHEMA>;
/** The validated capture configuration. */
export type CaptureConfig = z.output<typeof CAPTURE_CONFIG_SCHEMA>;
/** A column source. */
export type CaptureColumnSource = CaptureRule['columns'][string];
