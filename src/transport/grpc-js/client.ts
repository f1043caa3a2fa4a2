/**
 * The gRPC client transport on @grpc/grpc-js: one channel (its own connection), calls made
 * with identity serializers, and the channel's connectivity states mapped onto the shared
 * connection {@link Lifecycle}. Reconnects are ours (exponential backoff with full jitter,
 * a new channel per attempt), and start right after a connection is lost.
 */
import * as grpc from '@grpc/grpc-js';
import { Code, fail, type SwitchyardError } from '../../errors.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import { backoffDelayMs, Lifecycle, type ConnectionEvents, type ConnectionState, type ConnectionStateName } from '../lifecycle.js';
import { status } from '../status.js';
import type { CallOptions, ClientCall, ClientTransport, MethodInfo } from '../transport.js';
import { GrpcJsClientCall } from './client-call.js';
import { clientChannelOptions, resolveClientOptions, type GrpcJsClientOptions, type RawChannelOptions, type ResolvedClientOptions } from './options.js';
import { nextState } from './states.js';

/** Creates a gRPC client transport on @grpc/grpc-js. It connects on the first call or on `connect()`. */
export function createGrpcJsClient(options: GrpcJsClientOptions): ClientTransport {
  return new GrpcJsClient(options);
}

class GrpcJsClient implements ClientTransport {
  readonly name = 'grpc' as const;
  private readonly lifecycle = new Lifecycle();
  private readonly opts: ResolvedClientOptions;
  private readonly credentials: grpc.ChannelCredentials;
  private readonly channelOptions: RawChannelOptions;
  private readonly calls = new Set<GrpcJsClientCall>();
  private readonly logger: Logger;
  /** The current grpc-js channel; replaced after each failed connection attempt. */
  private channel: grpc.Client | undefined;
  private attempt = 0;
  /** Failed attempts since the last ready connection (drives the backoff). */
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: GrpcJsClientOptions) {
    this.opts = resolveClientOptions(options);
    this.logger = options.logger ?? silentLogger;
    const tls = options.tls;
    const buf = (v: string | Buffer | undefined): Buffer | null => (v === undefined ? null : typeof v === 'string' ? Buffer.from(v) : v);
    this.credentials = this.opts.secure ? grpc.credentials.createSsl(buf(tls?.ca), buf(tls?.key), buf(tls?.cert)) : grpc.credentials.createInsecure();
    this.channelOptions = clientChannelOptions(this.opts, tls?.serverName);
  }

  get state(): ConnectionState {
    return this.lifecycle.state;
  }

  get events(): ConnectionEvents {
    return this.lifecycle;
  }

  start(method: MethodInfo, options: CallOptions = {}): ClientCall {
    const s = this.lifecycle.state;
    if (this.closed || s.t === 'transient-failure') {
      const message = this.closed ? 'the client transport is closed' : `cannot connect to ${this.opts.target} (retrying in ${s.t === 'transient-failure' ? s.retryInMs : 0} ms)`;
      const call = new GrpcJsClientCall(undefined, method, options, () => undefined);
      call.abort(status(Code.UNAVAILABLE, message));
      return call;
    }
    const call = new GrpcJsClientCall(this.ensureChannel(), method, options, (c) => this.calls.delete(c));
    this.calls.add(call);
    return call.open();
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(fail('TRANSPORT_CLOSED', 'the client transport is closed'));
    if (this.lifecycle.state.t !== 'transient-failure') this.ensureChannel().getChannel().getConnectivityState(true);
    // grpc-js does not hold the process open while it connects (only active calls do).
    const hold = setInterval(() => undefined, 60_000);
    return this.lifecycle.waitReady().finally(() => clearInterval(hold));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearTimeout(this.retryTimer);
    for (const call of [...this.calls]) call.abort(status(Code.UNAVAILABLE, 'the client transport was closed'));
    this.channel?.close();
    this.channel = undefined;
    this.move('closed');
    return Promise.resolve();
  }

  private ensureChannel(): grpc.Client {
    if (this.channel) return this.channel;
    const client = new grpc.Client(this.opts.target, this.credentials, this.channelOptions);
    this.channel = client;
    this.watch(client, grpc.connectivityState.IDLE);
    return client;
  }

  /** Follows a channel's connectivity state until it shuts down or is replaced. */
  private watch(client: grpc.Client, from: grpc.connectivityState): void {
    if (client !== this.channel) return;
    const channel = client.getChannel();
    const now = channel.getConnectivityState(false);
    if (now !== from) this.onChannelState(client, now);
    if (now === grpc.connectivityState.SHUTDOWN || client !== this.channel) return;
    channel.watchConnectivityState(now, Infinity, () => this.watch(client, now));
  }

  private onChannelState(client: grpc.Client, s: grpc.connectivityState): void {
    const C = grpc.connectivityState;
    this.logger.debug({ target: this.opts.target, state: C[s] }, 'gRPC channel state');
    if (s === C.CONNECTING) this.move('connecting');
    else if (s === C.READY) {
      this.failures = 0;
      this.move('ready');
    } else if (s === C.IDLE) {
      // The connection was lost or the server sent GOAWAY: report it, then reconnect now.
      this.move('idle');
      client.getChannel().getConnectivityState(true);
    } else if (s === C.TRANSIENT_FAILURE) this.retryLater(client);
  }

  /**
   * A connection attempt failed: drop that channel (grpc-js's own backoff has a fixed
   * multiplier and ±20 % jitter) and try again on a new one after our backoff with full jitter.
   */
  private retryLater(client: grpc.Client): void {
    const retryInMs = backoffDelayMs(this.failures++, this.opts.backoff);
    const error = fail('TRANSPORT_UNAVAILABLE', `cannot connect to ${this.opts.target}`);
    this.channel = undefined;
    client.close();
    this.move('transient-failure', { error, retryInMs });
    this.retryTimer = setTimeout(() => {
      if (!this.closed) this.ensureChannel().getChannel().getConnectivityState(true);
    }, retryInMs);
    this.retryTimer.unref?.();
  }

  /** Moves the lifecycle toward `target`, through `connecting`/`idle` when the diagram needs a step between. */
  private move(target: ConnectionStateName, failure?: { error: SwitchyardError; retryInMs: number }): void {
    for (const name of nextState(this.lifecycle.state.t, target)) this.lifecycle.setState(this.build(name, failure));
  }

  private build(name: ConnectionStateName, failure?: { error: SwitchyardError; retryInMs: number }): ConnectionState {
    switch (name) {
      case 'idle':
        return { t: 'idle' };
      case 'connecting':
        return { t: 'connecting', attempt: ++this.attempt };
      case 'ready':
        this.attempt = 0;
        return { t: 'ready', since: Date.now() };
      case 'draining':
        return { t: 'draining', reason: 'server sent GOAWAY' };
      case 'transient-failure':
        return { t: 'transient-failure', error: failure?.error ?? fail('TRANSPORT_UNAVAILABLE', 'connection failed'), retryInMs: failure?.retryInMs ?? 0, attempt: this.attempt };
      case 'closed':
        return { t: 'closed' };
    }
  }
}
