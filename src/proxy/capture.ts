/**
 * Write capture: for a method with a capture rule, the proxy records the call (requests,
 * responses) and, once the serving upstream has confirmed the write, builds the rows and
 * hands them to the DualWriter's `mirror()`: an outbox entry in the serving upstream's
 * store (which already holds the write), applied by the relay to the other store, in key
 * order, retried until that store is back.
 *
 * The client's status waits until the outbox entry is durable (bounded by `ackTimeoutMs`),
 * so an acknowledged write cannot be lost by a proxy crash. When rows come per request
 * message of a streaming response (`response[$index]`), each row is captured as soon as
 * its response arrives.
 */
import type protobuf from 'protobufjs';
import { fail } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { Row, WriteOp } from '../store/dual/dual-writer.js';
import type { Status } from '../transport/status.js';
import type { CaptureRule } from './capture-config.js';
import { compileSource, type CaptureInput, type CompiledSource } from './capture-source.js';
import type { ProxyMethod } from './methods.js';
import type { CallTap, ProxiedCall } from './proxied-call.js';

/** The part of the DualWriter capture needs. */
export interface MirrorWriter {
  mirror(op: WriteOp, options: { from: UpstreamName }): Promise<unknown>;
}

/** Options for {@link createCapture}. */
export interface CaptureOptions {
  methods: ReadonlyMap<string, ProxyMethod>;
  writer: MirrorWriter;
  /** Bytes of a call's messages held for capture; past it the call is not captured (counted failed). Default 16 MiB. */
  maxBufferedBytes?: number;
  /** Longest wait for the outbox entry before the status goes to the client anyway, ms. Default 5000. */
  ackTimeoutMs?: number;
  /** Attempts of one `mirror()` before a row is counted failed. Default 5. */
  attempts?: number;
  /** Called per captured row: `enqueued` or `failed`. */
  onResult?(method: string, result: 'enqueued' | 'failed'): void;
  /** Whether a row of `table` written by `from` is copied to the other store now (the dual-write mode). Default: always. */
  shouldMirror?(table: string, from: UpstreamName): boolean;
  logger?: Logger;
}

/** The capture side of the proxy. */
export interface Capture {
  tapFor(call: ProxiedCall): CallTap | undefined;
}

interface CompiledRule {
  rule: CaptureRule;
  columns: Array<[string, CompiledSource]>;
  /** Rows are emitted per response (bidi/server-stream, `response[$index]`). */
  incremental: boolean;
}

/** Compiles the rules (throws PROXY_CONFIG_INVALID naming rule and column) and returns the capture. */
export function createCapture(o: CaptureOptions): Capture {
  const compiled = new Map<ProxyMethod, CompiledRule>();
  for (const m of o.methods.values()) {
    if (!m.capture) continue;
    const streams = m.kind === 'server-stream' || m.kind === 'bidi';
    const columns = Object.entries(m.capture.columns).map(([col, src]): [string, CompiledSource] => {
      try {
        return [col, compileSource(src, m.requestType, m.responseType, streams)];
      } catch (err) {
        throw fail('PROXY_CONFIG_INVALID', `capture rule for ${m.path}, column "${col}": ${(err as Error).message}`, { cause: err });
      }
    });
    const incremental = m.capture.each === 'request-message' && streams && columns.some(([, c]) => c.responseByIndex);
    compiled.set(m, { rule: m.capture, columns, incremental });
  }
  return {
    tapFor(call) {
      const c = compiled.get(call.method);
      return c && call.decision ? new CaptureTap(call, call.decision.upstream, c, o) : undefined;
    },
  };
}

class CaptureTap implements CallTap {
  private readonly requests: Array<Uint8Array | undefined> = [];
  private readonly responses: Array<Uint8Array | undefined> = [];
  private readonly decoded = new Map<string, protobuf.Message | undefined>();
  private bytes = 0;
  private overflow = false;
  private emitted = 0;
  private readonly pending: Array<Promise<void>> = [];
  private readonly logger: Logger;

  constructor(
    private readonly call: ProxiedCall,
    private readonly from: UpstreamName,
    private readonly c: CompiledRule,
    private readonly o: CaptureOptions,
  ) {
    this.logger = o.logger ?? silentLogger;
  }

  request(m: Uint8Array): void {
    this.hold(this.requests, m);
  }

  response(m: Uint8Array): void {
    this.hold(this.responses, m);
    if (!this.c.incremental) return;
    while (this.emitted < Math.min(this.requests.length, this.responses.length)) {
      const i = this.emitted++;
      this.emit(i);
      this.release(i);
    }
  }

  /** Frees request and response `i` once their row is built (long bidi streams stay bounded). */
  private release(i: number): void {
    this.bytes -= (this.requests[i]?.byteLength ?? 0) + (this.responses[i]?.byteLength ?? 0);
    this.requests[i] = undefined;
    this.responses[i] = undefined;
    this.decoded.delete(`q${i}`);
    this.decoded.delete(`r${i}`);
  }

  halfClose(): void {}

  end(status: Status): Promise<void> | undefined {
    if (status.code !== 0) return this.settle(); // the upstream did not confirm: nothing (more) to capture
    if (this.overflow) {
      this.o.onResult?.(this.call.method.path, 'failed');
      this.logger.error({ id: 'PROXY_CAPTURE_FAILED', method: this.call.method.path }, 'write not captured: the call was larger than the capture buffer; reconcile will find it');
      return this.settle();
    }
    if (!this.c.incremental) {
      const n = this.c.rule.each === 'request-message' ? this.requests.length : 1;
      for (let i = 0; i < n; i++) this.emit(i);
    }
    return this.settle();
  }

  private hold(into: Array<Uint8Array | undefined>, m: Uint8Array): void {
    if (this.overflow) return;
    this.bytes += m.byteLength;
    if (this.bytes > (this.o.maxBufferedBytes ?? 16 * 1024 * 1024)) {
      this.overflow = true;
      this.requests.length = 0;
      this.responses.length = 0;
      return;
    }
    into.push(m);
  }

  private settle(): Promise<void> | undefined {
    if (this.pending.length === 0) return undefined;
    const all = Promise.all(this.pending).then(() => undefined);
    const limit = new Promise<void>((resolve) => setTimeout(resolve, this.o.ackTimeoutMs ?? 5_000).unref());
    return Promise.race([all, limit]);
  }

  private emit(index: number): void {
    const input: CaptureInput = {
      request: (i) => this.decode('q', i, this.call.method.requestType, this.requests),
      response: (i) => this.decode('r', i, this.call.method.responseType, this.responses),
      metadata: this.call.down.metadata,
      index,
    };
    const rule = this.c.rule;
    let op: WriteOp;
    try {
      const row: Row = {};
      for (const [col, src] of this.c.columns) row[col] = src.read(input);
      op = rule.op === 'delete' ? { op: 'delete', table: rule.table, key: row } : { op: 'upsert', table: rule.table, row };
    } catch (err) {
      this.o.onResult?.(this.call.method.path, 'failed');
      this.logger.error({ id: 'PROXY_CAPTURE_FAILED', method: this.call.method.path, index, err: (err as Error).message }, 'write not captured: cannot build the row');
      return;
    }
    this.pending.push(this.mirror(op));
  }

  private async mirror(op: WriteOp): Promise<void> {
    if (this.o.shouldMirror && !this.o.shouldMirror(op.table, this.from)) return;
    const attempts = this.o.attempts ?? 5;
    for (let a = 1; ; a++) {
      try {
        await this.o.writer.mirror(op, { from: this.from });
        this.o.onResult?.(this.call.method.path, 'enqueued');
        return;
      } catch (err) {
        if (a >= attempts) {
          this.o.onResult?.(this.call.method.path, 'failed');
          this.logger.error({ id: 'PROXY_CAPTURE_FAILED', method: this.call.method.path, table: op.table, from: this.from, err: (err as Error).message }, 'write not captured after retries; reconcile will find it');
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** a));
      }
    }
  }

  private decode(kind: 'q' | 'r', i: number, type: protobuf.Type, list: Array<Uint8Array | undefined>): protobuf.Message | undefined {
    const idx = i < 0 ? list.length + i : i;
    const k = `${kind}${idx}`;
    if (this.decoded.has(k)) return this.decoded.get(k);
    const bytes = list[idx];
    let msg: protobuf.Message | undefined;
    try {
      msg = bytes ? type.decode(bytes) : undefined;
    } catch {
      msg = undefined;
    }
    this.decoded.set(k, msg);
    return msg;
  }
}
