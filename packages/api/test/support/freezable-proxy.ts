import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface FreezableProxy {
  /** `host:port` of the proxy on loopback. */
  port: number;
  /** Stops forwarding in both directions; connections stay open, as with a SIGSTOPped server. */
  freeze(): void;
  /** Delivers what was held back and forwards again. */
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of `target` that can stop forwarding without closing anything:
 * the database then accepts connections and bytes and never answers, which is what a frozen
 * (SIGSTOP) or partitioned PostgreSQL looks like to a client.
 */
export async function startFreezableProxy(target: { host: string; port: number }) {
  let frozen = false;
  const sockets = new Set<Socket>();
  const held: (() => void)[] = [];
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const proxy: FreezableProxy = {
    port: (server.address() as AddressInfo).port,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const deliver of held.splice(0)) deliver();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  return proxy;
}
