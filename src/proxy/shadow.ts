/**
 * Shadow comparison: a sampled call is also sent to the other upstream and the answers are
 * compared once both end. The primary never waits for the shadow: requests are copied to
 * the shadow call as they pass (its backpressure ignored up to a byte bound), responses of
 * both sides are recorded up to that bound, and a shadow still open after its timeout, or
 * over the bound, or past the in-flight limit, is dropped and counted.
 */
import { Code } from '../errors.js';
import type { UpstreamName } from '../control/snapshots.js';
import { Metadata } from '../transport/metadata.js';
import type { Status } from '../transport/status.js';
import type { ClientCall, ClientTransport } from '../transport/transport.js';
import { compileIgnore, type FieldDiff, type IgnoreMatcher } from './diff.js';
import type { ProxyMethod } from './methods.js';
import type { CallTap, ProxiedCall } from './proxied-call.js';
import { compareAnswers, withoutNoise, type Answer } from './shadow-compare.js';

/** Metadata key set on shadow calls, so a backend can tell them apart. */
export const SHADOW_HEADER = 'x-switchyard-shadow';

/** What came of one sampled call. */
export type ShadowOutcome =
  | { t: 'match'; discounted: number }
  | { t: 'mismatch'; diff: FieldDiff[]; discounted: number }
  | { t: 'dropped'; reason: 'overloaded' | 'timeout' | 'too-large' | 'primary-ended-early' };

/** A shadow result with its call. */
export interface ShadowResult {
  method: ProxyMethod;
  primary: UpstreamName;
  outcome: ShadowOutcome;
}

/** Options for {@link createShadower}. */
export interface ShadowerOptions {
  upstreams: Readonly<Record<UpstreamName, ClientTransport>>;
  /** Bytes of responses a shadowed call may record; past it the shadow is dropped. */
  maxBufferedBytes: number;
  /** Receives every result. */
  onResult(result: ShadowResult): void;
  /** Random source for sampling. Default Math.random. */
  random?: () => number;
}

/** The shadow side of the proxy. */
export interface Shadower {
  /** A tap for a routed call when it is sampled (and capacity allows), else undefined. */
  tapFor(call: ProxiedCall): CallTap | undefined;
  /** Shadowed calls in progress. */
  readonly inFlight: number;
}

/** Creates the shadower. */
export function createShadower(options: ShadowerOptions): Shadower {
  const random = options.random ?? Math.random;
  const ignores = new Map<ProxyMethod, IgnoreMatcher>();
  const perMethod = new Map<ProxyMethod, number>();
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    tapFor(call) {
      const m = call.method;
      const rate = m.shadow.sampleRate;
      if (rate <= 0 || random() >= rate || !call.decision) return undefined;
      const primary = call.decision.upstream;
      const mine = perMethod.get(m) ?? 0;
      if (mine >= m.shadow.maxInFlight) {
        options.onResult({ method: m, primary, outcome: { t: 'dropped', reason: 'overloaded' } });
        return undefined;
      }
      let ignore = ignores.get(m);
      if (!ignore) ignores.set(m, (ignore = compileIgnore(m.shadow.ignoreFields)));
      inFlight++;
      perMethod.set(m, mine + 1);
      return new ShadowSession(call, primary, ignore, options, (outcome) => {
        inFlight--;
        perMethod.set(m, (perMethod.get(m) ?? 1) - 1);
        options.onResult({ method: m, primary, outcome });
      });
    },
  };
}

/** One side call of a shadow: the other upstream, or the second legacy call of the noise filter. */
class SideCall {
  readonly messages: Uint8Array[] = [];
  status: Status | undefined;
  congested = false;
  constructor(
    readonly call: ClientCall,
    session: ShadowSession,
  ) {
    call.listen({
      onMessage: (m) => session.record(this.messages, m),
      onStatus: (s) => {
        this.status = s;
        if (s.code === Code.DEADLINE_EXCEEDED && session.ownDeadline) session.drop('timeout');
        else session.settle();
      },
      onDrain: () => {
        this.congested = false;
      },
    });
  }
}

class ShadowSession implements CallTap {
  private readonly primaryMessages: Uint8Array[] = [];
  private primaryStatus: Status | undefined;
  private readonly shadow: SideCall;
  private readonly second: SideCall | undefined;
  private bytes = 0;
  private congestedBytes = 0;
  private done = false;
  private readonly timer: NodeJS.Timeout;
  /** True when the shadow's deadline is its own timeout (not the client's deadline). */
  readonly ownDeadline: boolean;

  constructor(
    private readonly call: ProxiedCall,
    private readonly primary: UpstreamName,
    private readonly ignore: IgnoreMatcher,
    private readonly options: ShadowerOptions,
    private readonly report: (o: ShadowOutcome) => void,
  ) {
    const md = Metadata.from(call.down.metadata).set(SHADOW_HEADER, '1');
    const timeoutMs = call.method.shadow.timeoutMs;
    const deadline = Math.min(Date.now() + timeoutMs, call.down.deadline ?? Infinity);
    this.ownDeadline = deadline < (call.down.deadline ?? Infinity);
    const start = (u: UpstreamName): SideCall => new SideCall(options.upstreams[u].start(call.method, { metadata: md, deadline }), this);
    this.shadow = start(primary === 'legacy' ? 'next' : 'legacy');
    this.second = call.method.shadow.noiseFilter ? start('legacy') : undefined;
    this.timer = setTimeout(() => this.drop('timeout'), timeoutMs);
    this.timer.unref();
  }

  request(m: Uint8Array): void {
    if (this.done) return;
    this.send(this.shadow, m);
    if (this.second) this.send(this.second, m);
  }

  halfClose(): void {
    if (this.done) return;
    this.shadow.call.halfClose();
    this.second?.call.halfClose();
  }

  response(m: Uint8Array): void {
    this.record(this.primaryMessages, m);
  }

  end(status: Status): undefined {
    if (this.done) return;
    this.primaryStatus = status;
    if (status.code === Code.CANCELLED || this.call.endedByProxy) this.drop('primary-ended-early');
    else this.settle();
  }

  /** Records a response; drops the shadow when the byte bound is passed. */
  record(into: Uint8Array[], m: Uint8Array): void {
    if (this.done) return;
    this.bytes += m.byteLength;
    if (this.bytes > this.options.maxBufferedBytes) return this.drop('too-large');
    into.push(m);
  }

  /** Compares once the primary and every side call have ended. */
  settle(): void {
    if (this.done || !this.primaryStatus || !this.shadow.status || (this.second && !this.second.status)) return;
    this.close();
    const m = this.call.method;
    const streaming = m.kind === 'server-stream' || m.kind === 'bidi';
    const primary: Answer = { messages: this.primaryMessages, status: this.primaryStatus };
    const diffs = compareAnswers(m.responseType, primary, { messages: this.shadow.messages, status: this.shadow.status }, this.ignore, streaming);
    let kept = diffs;
    let discounted = 0;
    if (this.second && diffs.length > 0) {
      // Two legacy answers: the primary's or the shadow's, whichever came from legacy, and the second call.
      const legacy = this.primary === 'legacy' ? primary : { messages: this.shadow.messages, status: this.shadow.status };
      const noise = compareAnswers(m.responseType, legacy, { messages: this.second.messages, status: this.second.status! }, this.ignore, streaming);
      ({ kept, discounted } = withoutNoise(diffs, noise));
    }
    this.report(kept.length === 0 ? { t: 'match', discounted } : { t: 'mismatch', diff: kept, discounted });
  }

  private send(side: SideCall, m: Uint8Array): void {
    if (side.congested) {
      this.congestedBytes += m.byteLength;
      if (this.congestedBytes > this.options.maxBufferedBytes) return this.drop('too-large');
    }
    if (!side.call.write(m)) side.congested = true;
  }

  /** Gives up on the comparison: cancels the side calls and reports the drop. */
  drop(reason: 'timeout' | 'too-large' | 'primary-ended-early'): void {
    if (this.done) return;
    this.close();
    this.shadow.call.cancel(`shadow dropped: ${reason}`);
    this.second?.call.cancel(`shadow dropped: ${reason}`);
    this.report({ t: 'dropped', reason });
  }

  private close(): void {
    this.done = true;
    clearTimeout(this.timer);
  }
}
