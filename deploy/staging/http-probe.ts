import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The status of one GET on a fresh connection, or undefined when nothing answered within
 * `timeoutMs`. `ca` trusts a self-signed certificate for https URLs.
 */
export function probeStatus(
  url: string,
  ca?: string,
  timeoutMs = 2_000,
): Promise<number | undefined> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(target, { method: 'GET', agent: false, timeout: timeoutMs, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** True when `url` answers 200. */
export async function answersOk(url: string, ca?: string): Promise<boolean> {
  return (await probeStatus(url, ca)) === 200;
}
