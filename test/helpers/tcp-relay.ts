/**
 * A real TCP relay between a client and a server, for network-failure tests on any
 * transport: it can freeze (stop moving bytes both ways while keeping every socket open,
 * like a peer that hangs or a network that black-holes), drop every connection (reset), and
 * refuse new connections (accept and close at once, like a server that is down).
 */
import net from 'node:net';

/** A running relay. */
export interface TcpRelay {
  /** `127.0.0.1:port` to connect clients to. */
  readonly address: string;
  readonly port: number;
  /** Connections accepted so far (including refused ones). */
  readonly accepted: number;
  /** Times (ms since epoch) at which connections were accepted. */
  readonly acceptedAt: readonly number[];
  /** Relayed connection pairs currently open. */
  readonly open: number;
  /** Stops moving bytes in both directions; sockets stay open and new ones are held too. */
  freeze(): void;
  /** Moves bytes again. */
  thaw(): void;
  /** Destroys every open connection (both sides). */
  dropAll(): void;
  /** While true, new connections are closed as soon as they are accepted. */
  refuse(on: boolean): void;
  /** Closes the relay and every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/** Starts a relay on 127.0.0.1:0 forwarding to `target` (`host:port`). */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const i = target.lastIndexOf(':');
  const host = target.slice(0, i).replace(/^\[|\]$/g, '');
  const targetPort = Number(target.slice(i + 1));
  const pairs = new Set<Pair>();
  const acceptedAt: number[] = [];
  let frozen = false;
  let refusing = false;

  const pipe = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!frozen) from.resume();
    });
    from.on('end', () => to.end());
  };

  const server = net.createServer((client) => {
    acceptedAt.push(Date.now());
    client.setNoDelay(true);
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host, port: targetPort });
    upstream.setNoDelay(true);
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown).on('close', teardown);
    upstream.on('error', teardown).on('close', teardown);
    if (frozen) {
      client.pause();
      upstream.pause();
    }
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    address: `127.0.0.1:${port}`,
    port,
    get accepted() {
      return acceptedAt.length;
    },
    acceptedAt,
    get open() {
      return pairs.size;
    },
    freeze() {
      frozen = true;
      for (const p of pairs) {
        p.client.pause();
        p.upstream.pause();
      }
    },
    thaw() {
      frozen = false;
      for (const p of pairs) {
        p.client.resume();
        p.upstream.resume();
      }
    },
    dropAll() {
      for (const p of [...pairs]) {
        p.client.resetAndDestroy();
        p.upstream.resetAndDestroy();
      }
    },
    refuse(on) {
      refusing = on;
    },
    async close() {
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A relay in front of a database server, named for what outage tests do to it. */
export interface DatabaseRelay {
  /** `url` with its host and port replaced by the relay's. */
  wrap(url: string): string;
  /** A server that went away: every connection dropped, new ones refused. */
  cut(): void;
  /** A server that stopped answering: connections stay open, no byte moves. */
  stall(): void;
  /** Heals either. */
  restore(): void;
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1:0 in front of the server of a database URL. */
export async function startDatabaseRelay(url: string): Promise<DatabaseRelay> {
  const u = new URL(url);
  const relay = await startTcpRelay(`${u.hostname}:${u.port || (u.protocol.startsWith('mysql') ? 3306 : 5432)}`);
  return {
    wrap(target) {
      const t = new URL(target);
      t.hostname = '127.0.0.1';
      t.port = String(relay.port);
      return t.toString();
    },
    cut() {
      relay.refuse(true);
      relay.dropAll();
    },
    stall: () => relay.freeze(),
    restore() {
      relay.refuse(false);
      relay.thaw();
    },
    close: () => relay.close(),
  };
}
