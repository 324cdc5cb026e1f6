import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be delivered (API.md "Webhooks"): public addresses always; loopback,
 * private, link-local and other non-public ranges only with WEBHOOK_ALLOW_PRIVATE_TARGETS=true;
 * cloud metadata addresses never. Applied to the address actually connected to, so a name that
 * resolves (or re-resolves: DNS rebinding) to a refused address is refused too.
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

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1], 16);
    const lo = parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

/** Classifies an IP address (v4 or v6 text); anything that is not an IP address counts as private. */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'private';
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return classifyAddress(v4);
    if (metadata.check(bare, 'ipv6')) return 'metadata';
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
