/**
 * Several connections to one upstream, used as one client transport: each call goes to the
 * connection with the fewest open calls. Spreads calls past an upstream's per-connection
 * stream limit and over more than one socket.
 */
import type { ConnectionEvents, ConnectionState } from '../transport/lifecycle.js';
import type { CallOptions, ClientCall, ClientTransport, MethodInfo, TransportName } from '../transport/transport.js';

const RANK: Record<ConnectionState['t'], number> = { ready: 0, idle: 1, connecting: 1, draining: 2, 'transient-failure': 3, closed: 4 };

/** A pool of `size` connections made by `create` (size 1: the connection itself). */
export function createUpstreamPool(size: number, create: () => ClientTransport): ClientTransport {
  if (size <= 1) return create();
  const members = Array.from({ length: size }, create);
  const open = new Array<number>(size).fill(0);
  const first = members[0]!;
  const pick = (): number => {
    let best = 0;
    for (let i = 1; i < size; i++) {
      const a = RANK[members[i]!.state.t];
      const b = RANK[members[best]!.state.t];
      if (a < b || (a === b && open[i]! < open[best]!)) best = i;
    }
    return best;
  };
  return {
    name: first.name as TransportName,
    /** The best member's state. */
    get state(): ConnectionState {
      return members[pick()]!.state;
    },
    get events(): ConnectionEvents {
      return first.events;
    },
    start(method: MethodInfo, options?: CallOptions): ClientCall {
      const i = pick();
      open[i]!++;
      const call = members[i]!.start(method, options);
      const listen = call.listen.bind(call);
      let counted = true;
      call.listen = (l) =>
        listen({
          onMessage: l.onMessage.bind(l),
          ...(l.onHeaders ? { onHeaders: l.onHeaders.bind(l) } : {}),
          ...(l.onDrain ? { onDrain: l.onDrain.bind(l) } : {}),
          onStatus: (s) => {
            if (counted) open[i]!--;
            counted = false;
            l.onStatus(s);
          },
        });
      return call;
    },
    async connect() {
      await Promise.all(members.map((m) => m.connect()));
    },
    async close() {
      await Promise.all(members.map((m) => m.close()));
    },
  };
}
