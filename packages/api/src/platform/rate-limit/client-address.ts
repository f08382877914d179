import { isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address, in canonical lower-case hex without zone. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  const first = split(head);
  const last = tail === undefined ? [] : split(tail);
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) fills two groups.
  const width = (groups: string[]) => groups.length + (groups.at(-1)?.includes('.') ? 1 : 0);
  const zeros = tail === undefined ? 0 : 8 - width(first) - width(last);
  return [...first, ...Array<string>(Math.max(0, zeros)).fill('0'), ...last].map((group) =>
    group.includes('.') ? group : parseInt(group, 16).toString(16),
  );
}

/**
 * The partition a client address is counted in: the IPv4 address itself, or the /64 of an IPv6
 * address. One IPv6 subscriber usually holds a whole /64 and can rotate through its 2^64
 * addresses at will, so limiting single IPv6 addresses would limit nobody.
 */
export function addressPartition(ip: string): string {
  // IPv4, the usual case: no regular expression on every request (isIPv6 is one).
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}
