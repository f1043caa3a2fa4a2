/**
 * One call through the proxy: the client's {@link ServerCall} joined to an upstream
 * {@link ClientCall}. This is the hot path. Per message it does only what moving bytes
 * needs: `write()` on the other side, and on `false` a `pause()` of the sending side until
 * the other side's `onDrain` resumes it. Messages are never decoded here; a tap (shadow,
 * capture) sees them only on calls that have one.
 */
import { Code } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import type { Metadata } from '../transport/metadata.js';
import { status as makeStatus, type Status } from '../transport/status.js';
import { isRelayCapable } from '../transport/relay.js';
import type { ClientCall, ClientCallListener, ClientTransport, ServerCall, ServerCallListener } from '../transport/transport.js';
import type { ProxyMethod } from './methods.js';
import type { RouteDecision } from './router.js';

/** Sees a call's messages and end; used by shadow and capture. Must not throw or block. */
export interface CallTap {
  request(message: Uint8Array): void;
  response(message: Uint8Array): void;
  /** The client half-closed (no more requests). */
  halfClose(): void;
  /**
   * The primary call ended with `status` (after every response). A promise holds the
   * client's status until it settles (capture: the outbox entry is durable).
   */
  end(status: Status): Promise<void> | undefined;
}

/** What the gateway gives each call. */
export interface CallContext {
  /** Decides the route once the sticky key is known (`undefined`: the call has none). */
  route(call: ProxiedCall, key: string | undefined): RouteDecision;
  /** The upstream connections. */
  upstreams: Readonly<Record<UpstreamName, ClientTransport>>;
  /** Metadata sent upstream (the client's, with a new span id in `traceparent`). */
  upstreamMetadata(call: ProxiedCall): Metadata;
  /** Creates a tap for the call once routed, if it is shadowed or captured. */
  tapFor(call: ProxiedCall): CallTap | undefined;
  /** The call ended (status already sent to the client, or the client went away). */
  finished(call: ProxiedCall, status: Status): void;
}

/**
 * Messages forwarded, both directions, all calls: plain counters read by the metrics.
 * `relayed` counts those of them the engines moved in runs (see transport/relay.ts).
 */
export const forwardedCounts = { requests: 0, responses: 0, relayed: 0 };

const countRequests = (n: number): void => {
  forwardedCounts.requests += n;
  forwardedCounts.relayed += n;
};
const countResponses = (n: number): void => {
  forwardedCounts.responses += n;
  forwardedCounts.relayed += n;
};

/** How long after a deadline-exceeded client abort the upstream is cancelled if its own deadline has not ended it, ms. */
const DEADLINE_GRACE_MS = 1_000;

/** The state of one proxied call. */
export class ProxiedCall {
  /** The upstream side; undefined until routed. */
  up: ClientCall | undefined;
  decision: RouteDecision | undefined;
  tap: CallTap | undefined;
  /** performance.now() at arrival. */
  readonly startedAt = performance.now();
  /** A drain timer, when a split change moved this stream. */
  drainTimer: NodeJS.Timeout | undefined;
  /** The status the proxy ended the call with itself (drain, shutdown), if any. */
  endedByProxy: { status: Status; reason: 'drain' | 'shutdown' } | undefined;
  private done = false;

  constructor(
    readonly down: ServerCall,
    readonly method: ProxyMethod,
    private readonly ctx: CallContext,
  ) {}

  /** Starts forwarding. With a field sticky key, routing waits for the first message. */
  start(keyFromMetadata: string | undefined, needsFirstMessage: boolean): void {
    const { down } = this;
    if (down.signal.aborted) return this.onDownAbort();
    down.signal.addEventListener('abort', this.onDownAbort, { once: true });
    if (!needsFirstMessage) this.open(keyFromMetadata);
    down.listen(this.downListener);
  }

  /** Ends the call from the proxy's side (drain, shutdown): client gets `status`, upstream is cancelled. */
  endByProxy(status: Status, reason: 'drain' | 'shutdown'): void {
    if (this.done) return;
    this.endedByProxy = { status, reason };
    this.down.end(status);
    if (this.up) this.up.cancel(status.message);
    else this.finish(status);
  }

  private open(key: string | undefined): void {
    const decision = this.ctx.route(this, key);
    this.decision = decision;
    const up = this.ctx.upstreams[decision.upstream].start(this.method, {
      metadata: this.ctx.upstreamMetadata(this),
      ...(this.down.deadline === undefined ? {} : { deadline: this.down.deadline }),
    });
    this.up = up;
    this.tap = this.ctx.tapFor(this);
    up.listen(this.upListener);
    // Without a tap nothing needs to see the messages: let the engines move runs of them
    // directly (same effect as the listeners below; see transport/relay.ts).
    if (this.tap === undefined && isRelayCapable(this.down) && isRelayCapable(up)) {
      this.down.relayTo(up, countRequests);
      up.relayTo(this.down, countResponses);
    }
  }

  private readonly downListener: ServerCallListener = {
    onMessage: (m) => {
      const up = this.up;
      if (up === undefined) {
        this.open(this.method.stickyField?.(m));
        return this.downListener.onMessage(m);
      }
      forwardedCounts.requests++;
      if (this.tap !== undefined) this.tap.request(m);
      if (!up.write(m)) this.down.pause();
    },
    onHalfClose: () => {
      if (this.up === undefined) this.open(undefined);
      if (this.tap !== undefined) this.tap.halfClose();
      this.up!.halfClose();
    },
    onDrain: () => this.up?.resume(),
  };

  private readonly upListener: ClientCallListener = {
    onHeaders: (h) => this.down.sendHeaders(h),
    onMessage: (m) => {
      forwardedCounts.responses++;
      if (this.tap !== undefined) this.tap.response(m);
      if (!this.down.write(m)) this.up!.pause();
    },
    onStatus: (s) => {
      if (this.endedByProxy) return this.finish(this.endedByProxy.status);
      const hold = this.endTap(s);
      if (hold === undefined) {
        this.down.end(s);
        return this.finish(s);
      }
      void hold.then(() => {
        this.down.end(s);
        this.finish(s);
      });
    },
    onDrain: () => this.down.resume(),
  };

  private readonly onDownAbort = (): void => {
    const reason = this.down.signal.reason as { code?: Code; rawMessage?: string } | undefined;
    const code = reason?.code ?? Code.CANCELLED;
    const up = this.up;
    if (up === undefined) {
      this.finish(makeStatus(code, reason?.rawMessage ?? 'the client went away'));
      return;
    }
    if (code === Code.DEADLINE_EXCEEDED) {
      // The upstream call carries the same deadline and ends itself, so the upstream handler
      // sees DEADLINE_EXCEEDED rather than a cancel; cancel only if it has not ended soon after.
      setTimeout(() => up.cancel('deadline exceeded'), DEADLINE_GRACE_MS).unref();
      return;
    }
    up.cancel(code === Code.CANCELLED ? 'cancelled by the client' : (reason?.rawMessage ?? 'the client went away'));
  };

  private finish(s: Status): void {
    if (this.done) return;
    this.done = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.down.signal.removeEventListener('abort', this.onDownAbort);
    void this.endTap(s);
    this.ctx.finished(this, s);
  }

  private tapEnded = false;
  private endTap(s: Status): Promise<void> | undefined {
    if (this.tap === undefined || this.tapEnded) return undefined;
    this.tapEnded = true;
    return this.tap.end(s);
  }
}
