/**
 * A TCP relay in front of a real database server, for outage tests of the store layer: `cut()`
 * resets every connection and refuses new ones (a server that went away), `stall()` keeps
 * connections open but forwards nothing (a server that stopped answering), `restore()` heals.
 * Listens on 127.0.0.1, port 0.
 */
import net from 'node:net';

/** A running relay. */
export interface TcpRelay {
  /** The relay's port. */
  readonly port: number;
  /** `url` with its host and port replaced by the relay's. */
  wrap(url: string): string;
  /** Resets all connections and refuses new ones. */
  cut(): void;
  /** Stops forwarding bytes on all connections, old and new. */
  stall(): void;
  /** Forwards again (stalled connections resume). */
  restore(): void;
  /** Closes the relay and every connection. */
  close(): Promise<void>;
}

/** Starts a relay to `host:port`. */
export async function startTcpRelay(host: string, port: number): Promise<TcpRelay> {
  let mode: 'open' | 'cut' | 'stall' = 'open';
  const pairs = new Set<[net.Socket, net.Socket]>();
  const stalled: Array<() => void> = [];

  const server = net.createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ host, port });
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk) => {
        if (mode === 'stall') {
          from.pause();
          stalled.push(() => {
            to.write(chunk);
            from.resume();
          });
          return;
        }
        to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayPort = (server.address() as net.AddressInfo).port;

  return {
    port: relayPort,
    wrap(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(relayPort);
      return u.toString();
    },
    cut() {
      mode = 'cut';
      stalled.length = 0;
      for (const [a, b] of pairs) {
        a.resetAndDestroy();
        b.destroy();
      }
      pairs.clear();
    },
    stall() {
      mode = 'stall';
    },
    restore() {
      mode = 'open';
      for (const f of stalled.splice(0)) f();
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
