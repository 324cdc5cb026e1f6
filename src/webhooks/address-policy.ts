import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be delivered (API.md "Webhooks"): public addresses always; loopback,
 * private, link-local and other non-public ranges only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true;
 * cloud metadata addresses never. Applied to the address actually connected to, so a name that
 * resolves (or re-resolves: DNS rebinding) to a refused address is refused too. An IPv6 address
 * that carries an IPv4 address (compatible, mapped, translated, NAT64, 6to4, Teredo) is judged by
 * the IPv4 address inside, so [::7f00:1] (the URL parser's [::127.0.0.1]) is loopback.
 */
export type AddressClass = 'public' | 'private' | 'metadata';

/** Instance metadata services: AWS/GCP/Azure/Huawei (169.254.169.254, fd00:ec2::254), Alibaba Cloud (100.100.100.200), Tencent Cloud (169.254.0.23). */
export const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.0.23'];

const metadata = new BlockList();
for (const a of METADATA_ADDRESSES) metadata.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4');

const nonPublic = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local
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
  nonPublic.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard
] as const)
  nonPublic.addSubnet(net, bits, 'ipv6');

/** The eight 16-bit groups of a valid IPv6 address (text without brackets or zone). */
export function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number);
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

const ipv4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries, by its range: ::/96 (IPv4-compatible, also :: and
 * ::1), ::ffff:0:0/96 (mapped), ::ffff:0:0:0/96 (translated), 64:ff9b::/96 (NAT64), 2002::/16
 * (6to4) and 2001::/32 (Teredo: the server, and the client stored inverted). Empty for other
 * ranges; null for 64:ff9b:1::/48 (local-use NAT64, RFC 8215: anywhere inside, so refused as a
 * whole).
 */
export function embeddedIpv4(groups: number[]): string[] | null {
  const zero = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups;
  if (zero(0, 6)) return [ipv4Of(g6, g7)];
  if (zero(0, 5) && g5 === 0xffff) return [ipv4Of(g6, g7)];
  if (zero(0, 4) && g4 === 0xffff && g5 === 0) return [ipv4Of(g6, g7)];
  if (g0 === 0x64 && g1 === 0xff9b && zero(2, 6)) return [ipv4Of(g6, g7)];
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return null;
  if (g0 === 0x2002) return [ipv4Of(g1, g2)];
  if (g0 === 0x2001 && g1 === 0) return [ipv4Of(g2, g3), ipv4Of(g6 ^ 0xffff, g7 ^ 0xffff)];
  return [];
}

const worst = (classes: AddressClass[]): AddressClass => (classes.includes('metadata') ? 'metadata' : classes.includes('private') ? 'private' : 'public');

/** Classifies an IP address (v4 or v6 text); anything that is not an IP address counts as private. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'private';
  if (family === 6) {
    if (metadata.check(bare, 'ipv6')) return 'metadata';
    const inner = embeddedIpv4(ipv6Groups(bare));
    if (inner === null) return 'private';
    if (inner.length) return worst(inner.map(classifyAddress));
    return nonPublic.check(bare, 'ipv6') ? 'private' : 'public';
  }
  if (metadata.check(bare, 'ipv4')) return 'metadata';
  return nonPublic.check(bare, 'ipv4') ? 'private' : 'public';
}

/** Why an address may not be connected to, or null when it may. */
export function refusal(address: string, allowPrivate: boolean): string | null {
  const kind = classifyAddress(address);
  if (kind === 'metadata') return `${address} is a cloud metadata address: never a webhook target`;
  if (kind === 'private' && !allowPrivate)
    return `${address} is a loopback, private or link-local address (allowed only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true)`;
  return null;
}

/**
 * Checks a URL at registration: http(s) only, no credentials, and a literal IP address (or
 * `localhost`) that is refused now is refused at once. Names are checked again on every connect.
 */
export function checkTargetUrl(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials (user:password@)';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return refusal(host, allowPrivate);
  const name = host.toLowerCase().replace(/\.$/, '');
  if ((name === 'localhost' || name.endsWith('.localhost')) && !allowPrivate)
    return `${host} is loopback (allowed only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true)`;
  return null;
}
