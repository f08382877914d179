import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The SSRF guard for URLs that tenants give us (webhook endpoints): only public addresses, so a
 * tenant cannot make this server reach its own network, the cloud metadata service or loopback.
 * The check is on the resolved addresses, and the caller connects to the address checked here
 * (`PublicTarget.address`), so a DNS answer that changes between check and connect (rebinding)
 * cannot slip through.
 */

/** Special-purpose ranges (IANA registries for IPv4 and IPv6) that are never a public receiver. */
const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['169.254.0.0', 16], // link-local, including 169.254.169.254 (cloud metadata)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  REFUSED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['64:ff9b::', 96], // NAT64 (maps IPv4, including private ranges)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  REFUSED.addSubnet(network, prefix, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export interface GuardOptions {
  /** Production refuses plain http. */
  requireHttps: boolean;
  /** Tests and local development only. */
  allowLoopback: boolean;
  /** Replaceable in tests (a name that resolves to loopback or a private address). */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

/** A URL that passed the guard, with the one address to connect to. */
export interface PublicTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Why a URL was refused, in words fit for a 400 or a delivery log. */
export class RefusedUrl extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RefusedUrl';
  }
}

/** The reason an address is refused, or undefined when it is public (or loopback when allowed). */
export function refusalOf(address: string, allowLoopback: boolean): string | undefined {
  let family = isIP(address);
  let ip = address;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) {
    ip = mapped[1]!;
    family = 4;
  }
  if (family === 0) return 'is not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(ip, type)) return allowLoopback ? undefined : 'resolves to a loopback address';
  if (REFUSED.check(ip, type)) return 'resolves to a private, link-local or reserved address';
  return undefined;
}

const systemResolve = (host: string) => lookup(host, { all: true, verbatim: true });

/**
 * Parses, checks and resolves `raw`; every resolved address must be allowed (one private answer
 * among public ones refuses the URL). Throws RefusedUrl.
 */
export async function resolvePublicTarget(
  raw: string,
  options: GuardOptions,
): Promise<PublicTarget> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedUrl('is not an absolute URL');
  }
  if (url.protocol !== 'https:' && (options.requireHttps || url.protocol !== 'http:'))
    throw new RefusedUrl(options.requireHttps ? 'must use https' : 'must use http or https');
  if (url.username !== '' || url.password !== '')
    throw new RefusedUrl('must not contain credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let answers: { address: string; family: number }[];
  if (isIP(host) !== 0) answers = [{ address: host, family: isIP(host) }];
  else {
    try {
      answers = await (options.resolve ?? systemResolve)(host);
    } catch {
      throw new RefusedUrl('has a host name that does not resolve');
    }
  }
  if (answers.length === 0) throw new RefusedUrl('has a host name that does not resolve');
  for (const answer of answers) {
    const reason = refusalOf(answer.address, options.allowLoopback);
    if (reason) throw new RefusedUrl(reason);
  }
  const chosen = answers[0]!;
  return { url, address: chosen.address, family: chosen.family === 6 ? 6 : 4 };
}
