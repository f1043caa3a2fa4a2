/**
 * What the shared call-shape suite needs from a transport: start a real server on port 0
 * and create a client for it. One harness per transport (gRPC, WebSocket), and later one
 * per proxy combination, all run through the same suite.
 */
import type { ClientTransport, CommonClientOptions, CommonServerOptions, ServerTransport, TransportName } from '../../src/transport/transport.js';

/** A running server under test. */
export interface RunningServer {
  server: ServerTransport;
  /** Address a client of this harness connects to (`host:port`). */
  address: string;
}

/** Starts servers and clients of one transport. */
export interface TransportHarness {
  /** Shown in test names. */
  readonly name: string;
  /** The client transport the suite's clients use. */
  readonly transport: TransportName;
  /** Starts a server on 127.0.0.1:0. */
  startServer(options: Omit<CommonServerOptions, 'host' | 'port'>): Promise<RunningServer>;
  /** Creates a client for an address returned by startServer. */
  createClient(address: string, options?: Omit<CommonClientOptions, 'address'>): ClientTransport;
}
