/**
 * One client connection of the native gRPC server: its calls, keepalive and the reason it
 * died (so the calls it carried can report UNAVAILABLE rather than CANCELLED).
 */
import type { ServerHttp2Session } from 'node:http2';
import { fail, type SwitchyardError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import { startKeepalive, type Keepalive } from './keepalive.js';
import type { ServerSettings } from './options.js';
import type { GrpcServerCall, ServerCallContext } from './server-call.js';

/** Per-connection state; the context every call on it shares. */
export class ServerSession implements ServerCallContext {
  readonly calls = new Set<GrpcServerCall>();
  readonly peer: string;
  readonly maxMessageBytes: number;
  readonly writeHighWaterMark: number;
  readonly logger: Logger;
  lostReason: SwitchyardError | undefined;
  private readonly keepalive: Keepalive;

  constructor(
    readonly session: ServerHttp2Session,
    settings: ServerSettings,
    private readonly onCallCountChange: (delta: number) => void,
  ) {
    const socket = session.socket;
    const addr = socket?.remoteAddress ?? 'unknown';
    this.peer = `${addr.includes(':') ? `[${addr}]` : addr}:${socket?.remotePort ?? 0}`;
    this.maxMessageBytes = settings.maxMessageBytes;
    this.writeHighWaterMark = settings.writeHighWaterMark;
    this.logger = settings.logger;
    try {
      session.setLocalWindowSize(settings.connectionWindowBytes);
    } catch {
      // The session is already closing.
    }
    this.keepalive = startKeepalive(session, settings.heartbeat, (waitedMs) => {
      this.logger.warn({ peer: this.peer, waitedMs }, 'grpc client missed a keepalive ping; closing its connection');
      this.kill(fail('TRANSPORT_HEARTBEAT_TIMEOUT', `the client at ${this.peer} did not answer a keepalive ping within ${settings.heartbeat.timeoutMs} ms`));
    });
  }

  /** Tracks a new call. */
  add(call: GrpcServerCall): void {
    this.calls.add(call);
    this.onCallCountChange(1);
  }

  onCallClosed(call: GrpcServerCall): void {
    if (this.calls.delete(call)) this.onCallCountChange(-1);
  }

  /** Ends every open call with `reason` (status sent where possible). */
  failCalls(reason: SwitchyardError): void {
    for (const call of [...this.calls]) call.fail(reason, true);
  }

  /** Declares the connection dead and destroys it; its calls end with `reason`. */
  kill(reason: SwitchyardError): void {
    if (!this.lostReason) this.lostReason = reason;
    this.keepalive.stop();
    if (!this.session.destroyed) this.session.destroy();
  }

  /** Stops the keepalive (the session closed). */
  dispose(): void {
    this.keepalive.stop();
  }
}
