import { connect, type Socket } from 'node:net';

/** A raw TCP client: what it received, and whether (and when) the server closed the connection. */
export interface RawClient {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received: () => string;
  /** Resolves once `text` has been received (or rejects after `timeoutMs`). */
  waitFor: (text: string | RegExp, timeoutMs?: number) => Promise<string>;
  /** Resolves with the ms from connect to the server closing, or rejects after `timeoutMs`. */
  closed: (timeoutMs?: number) => Promise<number>;
  /** Whether the server has closed the connection. */
  isClosed: () => boolean;
}

/** Opens a TCP connection to `port` on loopback and records what comes back. */
export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const openedAt = Date.now();
  let data = '';
  let closedAt: number | undefined;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('latin1');
    notify();
  });
  // A reset after the server's FIN is still "the server closed it".
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closedAt ??= Date.now();
    notify();
  });
  socket.on('end', () => {
    closedAt ??= Date.now();
    notify();
  });
  const until = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const attempt = () => {
        const value = check();
        if (value === undefined) return;
        listeners.delete(attempt);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        listeners.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; received: ${JSON.stringify(data)}`));
      }, timeoutMs);
      listeners.add(attempt);
      attempt();
    });
  return {
    socket,
    received: () => data,
    waitFor: (text, timeoutMs = 5_000) =>
      until(
        () =>
          (typeof text === 'string' ? data.includes(text) : text.test(data)) ? data : undefined,
        timeoutMs,
        String(text),
      ),
    closed: (timeoutMs = 5_000) =>
      until(
        () => (closedAt === undefined ? undefined : closedAt - openedAt),
        timeoutMs,
        'the server to close',
      ),
    isClosed: () => closedAt !== undefined,
  };
}
