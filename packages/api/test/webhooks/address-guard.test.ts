import { describe, expect, it } from 'vitest';
import { refusalOf, resolvePublicTarget } from '../../src/platform/outbound/address-guard.js';

describe('the SSRF guard', () => {
  const resolvingTo = (...addresses: string[]) => ({
    requireHttps: true,
    allowLoopback: false,
    resolve: () =>
      Promise.resolve(
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      ),
  });

  it('refuses plain http when https is required', async () => {
    await expect(
      resolvePublicTarget('http://example.com/', resolvingTo('93.184.215.14')),
    ).rejects.toThrow(/https/);
  });

  it('refuses a name if any of its addresses is private (DNS answers mixing public and private)', async () => {
    await expect(
      resolvePublicTarget('https://hooks.example/', resolvingTo('93.184.215.14', '10.0.0.7')),
    ).rejects.toThrow(/private/);
    await expect(
      resolvePublicTarget('https://rebind.example/', resolvingTo('127.0.0.1')),
    ).rejects.toThrow(/loopback/);
  });

  it('pins the connection to the address it checked', async () => {
    const target = await resolvePublicTarget(
      'https://hooks.example/x',
      resolvingTo('93.184.215.14'),
    );
    expect(target).toMatchObject({ address: '93.184.215.14', family: 4 });
  });

  it('classifies addresses', () => {
    expect(refusalOf('8.8.8.8', false)).toBeUndefined();
    expect(refusalOf('2606:4700::1111', false)).toBeUndefined();
    expect(refusalOf('127.0.0.1', true)).toBeUndefined();
    expect(refusalOf('127.0.0.1', false)).toMatch(/loopback/);
    expect(refusalOf('::ffff:127.0.0.1', false)).toMatch(/loopback/);
    expect(refusalOf('169.254.169.254', true)).toMatch(/link-local/);
    expect(refusalOf('fd12::1', true)).toMatch(/private/);
  });
});
