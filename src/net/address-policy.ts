// Which addresses outbound calls (webhooks, HTTP connectors, SMTP) may reach. Workflow authors
// choose URLs, so without this a workflow could read the cloud metadata service or internal admin
// ports (SSRF). Checked on the address actually connected, after DNS, so a hostname that resolves
// to 127.0.0.1 is refused like the literal. Pure: bytes in, verdict out.
import { isIPv4, isIPv6 } from 'node:net';

interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

/** Ranges never reachable unless allow-listed, with the reason a refusal names. */
const BLOCKED: [string, string][] = [
  ['0.0.0.0/8', 'unspecified'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (cloud metadata)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::/96', 'IPv4-compatible (deprecated)'],
  ['fc00::/7', 'private (unique local)'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];
const BLOCKED_CIDRS = BLOCKED.map(([text, reason]) => ({ cidr: parseCidr(text) as Cidr, reason }));

// IPv6 forms that embed an IPv4 address: judged by the IPv4 address they carry.
const MAPPED = parseCidr('::ffff:0:0/96') as Cidr;
const NAT64 = parseCidr('64:ff9b::/96') as Cidr;
const SIX_TO_FOUR = parseCidr('2002::/16') as Cidr;

export interface AddressPolicy {
  /** The allow-list as written, for messages. */
  readonly allow: readonly string[];
  readonly cidrs: readonly Cidr[];
  /** host:port entries; host lowercased, IPv6 without brackets. */
  readonly hostPorts: readonly { host: string; port: number }[];
}

/**
 * Compiles an allow-list: CIDRs ("10.1.0.0/16"), single addresses ("10.1.2.3"), and host:port
 * entries ("127.0.0.1:8025", "[::1]:8080", "crm.internal:443") that open one port of one target.
 */
export function compileAddressPolicy(allow: readonly string[] = []): AddressPolicy {
  const cidrs: Cidr[] = [];
  const hostPorts: { host: string; port: number }[] = [];
  for (const entry of allow) {
    const text = entry.trim().toLowerCase();
    const cidr = text.includes('/') ? parseCidr(text) : parseIp(text) ? parseCidr(`${text}/${isIPv4(text) ? 32 : 128}`) : undefined;
    if (cidr) {
      cidrs.push(cidr);
      continue;
    }
    const match = /^(?:\[([0-9a-f:.]+)\]|([^:/\s]+)):(\d{1,5})$/.exec(text);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw new Error(`outbound allow-list entry "${entry}" is neither a CIDR, an IP address nor host:port`);
    }
    hostPorts.push({ host: (match[1] ?? match[2]) as string, port });
  }
  return Object.freeze({ allow: Object.freeze([...allow]), cidrs: Object.freeze(cidrs), hostPorts: Object.freeze(hostPorts) });
}

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

/**
 * May we talk to `address` (an IP) on `port`? `hostname` is the name the caller asked for, so a
 * host:port allow entry can name a host rather than its address.
 */
export function checkAddress(policy: AddressPolicy, target: { address: string; port: number; hostname?: string }): AddressVerdict {
  const bytes = parseIp(target.address);
  if (!bytes) return { ok: false, reason: `"${target.address}" is not an IP address` };
  const address = stripBrackets(target.address).toLowerCase();
  const hostname = target.hostname === undefined ? undefined : stripBrackets(target.hostname).toLowerCase();
  const embedded = embeddedIPv4(bytes);

  for (const entry of policy.hostPorts) {
    if (entry.port !== target.port) continue;
    if (entry.host === address || entry.host === hostname) return { ok: true };
    const entryBytes = parseIp(entry.host);
    if (entryBytes && embedded && sameBytes(entryBytes, embedded)) return { ok: true };
  }
  if (policy.cidrs.some((c) => inCidr(bytes, c) || (embedded !== undefined && inCidr(embedded, c)))) return { ok: true };

  const judged = embedded ?? bytes;
  const blocked = BLOCKED_CIDRS.find((b) => inCidr(judged, b.cidr));
  if (!blocked) return { ok: true };
  const via = embedded ? ' (embedded in an IPv6 address)' : '';
  return { ok: false, reason: `${blocked.reason} address${via}` };
}

/** 4 or 16 bytes for an IP literal (IPv6 may be bracketed or carry a %zone), else undefined. */
export function parseIp(text: string): Uint8Array | undefined {
  const plain = stripBrackets(text).split('%')[0] as string;
  if (isIPv4(plain)) return Uint8Array.from(plain.split('.').map(Number));
  if (!isIPv6(plain)) return undefined;
  let hex = plain;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (dotted) {
    const [a, b, c, d] = (dotted[1] as string).split('.').map(Number) as [number, number, number, number];
    hex = `${plain.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = hex.split('::') as [string, string | undefined];
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

function parseCidr(text: string): Cidr | undefined {
  const [ip, prefixText] = text.split('/');
  const bytes = ip === undefined ? undefined : parseIp(ip);
  const prefix = Number(prefixText);
  if (!bytes || !/^\d+$/.test(prefixText ?? '') || prefix > bytes.length * 8) return undefined;
  return { bytes, prefix };
}

function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.prefix; bit += 8) {
    const i = bit / 8;
    const bits = Math.min(8, cidr.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] as number) & mask) !== ((cidr.bytes[i] as number) & mask)) return false;
  }
  return true;
}

function embeddedIPv4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length !== 16) return undefined;
  if (inCidr(bytes, MAPPED) || inCidr(bytes, NAT64)) return bytes.slice(12, 16);
  if (inCidr(bytes, SIX_TO_FOUR)) return bytes.slice(2, 6);
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function stripBrackets(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}
