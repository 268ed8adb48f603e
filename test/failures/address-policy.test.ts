import { describe, expect, it } from 'vitest';
import { checkAddress, compileAddressPolicy, parseIp } from '../../src/net/address-policy.js';

const strict = compileAddressPolicy();
const verdict = (address: string, port = 443, policy = strict): string => {
  const v = checkAddress(policy, { address, port });
  return v.ok ? 'ok' : v.reason;
};

describe('address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback address'],
    ['127.9.9.9', 'loopback address'],
    ['::1', 'loopback address'],
    ['[::1]', 'loopback address'],
    ['::ffff:127.0.0.1', 'loopback address (embedded in an IPv6 address)'],
    ['::ffff:7f00:1', 'loopback address (embedded in an IPv6 address)'],
    ['::ffff:10.1.2.3', 'private address (embedded in an IPv6 address)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (cloud metadata) address (embedded in an IPv6 address)'],
    ['2002:7f00:1::', 'loopback address (embedded in an IPv6 address)'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated) address'],
    ['169.254.169.254', 'link-local (cloud metadata) address'],
    ['fe80::1%eth0', 'link-local address'],
    ['10.0.0.1', 'private address'],
    ['172.16.5.4', 'private address'],
    ['172.31.255.255', 'private address'],
    ['192.168.1.1', 'private address'],
    ['fd00::1', 'private (unique local) address'],
    ['0.0.0.0', 'unspecified address'],
    ['::', 'unspecified address'],
    ['100.64.0.1', 'carrier-grade NAT address'],
    ['224.0.0.1', 'multicast address'],
    ['255.255.255.255', 'reserved address'],
  ])('refuses %s', (address, reason) => {
    expect(verdict(address)).toBe(reason);
  });

  it.each(['93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('allows public %s', (address) => {
    expect(verdict(address)).toBe('ok');
  });

  it('opens exactly what the allow-list names', () => {
    const policy = compileAddressPolicy(['127.0.0.1:8025', '10.20.0.0/16', '[::1]:9000', 'crm.internal:443']);
    expect(verdict('127.0.0.1', 8025, policy)).toBe('ok');
    expect(verdict('::ffff:127.0.0.1', 8025, policy)).toBe('ok');
    expect(verdict('127.0.0.1', 8026, policy)).toBe('loopback address');
    expect(verdict('10.20.3.4', 1, policy)).toBe('ok');
    expect(verdict('10.21.3.4', 1, policy)).toBe('private address');
    expect(verdict('::1', 9000, policy)).toBe('ok');
    expect(checkAddress(policy, { address: '10.9.9.9', port: 443, hostname: 'CRM.internal' })).toEqual({ ok: true });
    expect(checkAddress(policy, { address: '10.9.9.9', port: 80, hostname: 'crm.internal' }).ok).toBe(false);
    expect(() => compileAddressPolicy(['intranet'])).toThrow(/neither a CIDR/);
    expect(() => compileAddressPolicy(['10.0.0.0/40'])).toThrow();
  });

  it('parses IPv6 forms to bytes', () => {
    expect([...(parseIp('::ffff:1.2.3.4') as Uint8Array)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect([...(parseIp('2001:db8::1') as Uint8Array)]).toEqual([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIp('example.com')).toBeUndefined();
    expect(checkAddress(strict, { address: 'example.com', port: 80 }).ok).toBe(false);
  });
});
