/** Promise helpers over the push-based transport interface, for tests. */
import type { Metadata } from '../../src/transport/metadata.js';
import type { Status } from '../../src/transport/status.js';
import type { CallOptions, ClientCall, ClientTransport, MethodInfo } from '../../src/transport/transport.js';
import type { ConnectionState, ConnectionStateName } from '../../src/transport/lifecycle.js';

/** Everything a client call received. */
export interface CallResult {
  headers: Metadata | undefined;
  messages: Uint8Array[];
  status: Status;
}

/** Listens to a call and resolves with what it received once its status arrives. */
export function collect(call: ClientCall, onMessage?: (m: Uint8Array) => void): Promise<CallResult> {
  return new Promise((resolve) => {
    let headers: Metadata | undefined;
    const messages: Uint8Array[] = [];
    call.listen({
      onHeaders: (h) => (headers = h),
      onMessage: (m) => {
        messages.push(m);
        onMessage?.(m);
      },
      onStatus: (status) => resolve({ headers, messages, status }),
    });
  });
}

/** Starts a call, writes `requests`, half-closes, and collects the result. */
export function callWith(client: ClientTransport, method: MethodInfo, requests: Uint8Array[], options?: CallOptions): Promise<CallResult> {
  const call = client.start(method, options);
  const result = collect(call);
  for (const r of requests) call.write(r);
  call.halfClose();
  return result;
}

/** Polls `check` every 5 ms until it returns true; rejects after `timeoutMs` naming `what`. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records every state a client transport goes through. */
export function recordStates(client: ClientTransport): ConnectionState[] {
  const states: ConnectionState[] = [client.state];
  client.events.on('state', (s) => states.push(s));
  return states;
}

/** Resolves when the client reaches the state `t`. */
export function waitForState(client: ClientTransport, t: ConnectionStateName, timeoutMs = 10_000): Promise<ConnectionState> {
  if (client.state.t === t) return Promise.resolve(client.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.events.off('state', onState);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for state ${t} (now ${client.state.t})`));
    }, timeoutMs);
    const onState = (s: ConnectionState): void => {
      if (s.t !== t) return;
      clearTimeout(timer);
      client.events.off('state', onState);
      resolve(s);
    };
    client.events.on('state', onState);
  });
}
