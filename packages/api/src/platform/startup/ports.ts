import { createServer } from 'node:net';

/** A port another process already listens on: the message names the variable to change. */
export class PortTakenError extends Error {
  constructor(
    readonly variable: 'PORT' | 'METRICS_PORT',
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `${host}:${port} is already in use by another process: set ${variable} to a free port (e.g. ${variable}=${port + 1} npm start) or stop what listens there.`,
    );
    this.name = 'PortTakenError';
  }
}

/**
 * True when something already listens on host:port. Probed by listening and closing at once, so
 * the start can stop with one clear line before it migrates, seeds or prints anything as done
 * (the real listen still handles the rare race, main.ts). Port 0 (any free port) is never taken.
 */
export async function portTaken(host: string, port: number): Promise<boolean> {
  if (port === 0) return false;
  const probe = createServer();
  return new Promise<boolean>((resolve, reject) => {
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(true);
      else reject(error);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
