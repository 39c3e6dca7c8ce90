import { loadAppConfig as loadConfig } from '../../src/modules';
import {
  checkOutboundUrl,
  keepStoredCredentials,
  maskUrlCredentials,
  parseOutboundAllowList,
} from '../../src/net/outbound-url';

describe('OUTBOUND_ALLOWED_HOSTS', () => {
  const allowList = parseOutboundAllowList(
    ' 127.0.0.1:8080 , hooks.internal, [::1]:9000, 10.0.0.0/8, fd00::/8, 192.168.1.5',
  );
  const allowed = (url: string) => {
    try {
      checkOutboundUrl(allowList, url);
      return true;
    } catch {
      return false;
    }
  };

  it('lets through the listed host:port, names, addresses and ranges, and nothing else', () => {
    expect(allowed('http://127.0.0.1:8080/')).toBe(true);
    expect(allowed('http://0x7f000001:8080/')).toBe(true); // the same address, normalised
    expect(allowed('http://127.0.0.1:8081/')).toBe(false);
    expect(allowed('http://127.0.0.1/')).toBe(false);
    expect(allowed('http://[::1]:9000/')).toBe(true);
    expect(allowed('http://[::1]:9001/')).toBe(false);
    expect(allowed('http://10.200.0.1/')).toBe(true);
    expect(allowed('http://[::ffff:10.200.0.1]/')).toBe(true); // judged as the IPv4 address it carries
    expect(allowed('http://[fd12::1]/')).toBe(true);
    expect(allowed('http://192.168.1.5:1234/')).toBe(true);
    expect(allowed('http://192.168.1.6/')).toBe(false);
    expect(allowed('http://169.254.169.254/')).toBe(false);
    expect(allowed('ftp://10.0.0.1/')).toBe(false);
  });

  it('is read by loadConfig, and names a malformed entry', () => {
    expect(loadConfig({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1:4000' }).outbound.entries).toHaveLength(1);
    expect(loadConfig({}).outbound.entries).toEqual([]);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'http://x/y' })).toThrow(
      /OUTBOUND_ALLOWED_HOSTS: "http:\/\/x\/y" is not a host/,
    );
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/99' })).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
  });
});

describe('credentials in URLs', () => {
  it('are masked in every form a URL can hold them', () => {
    expect(maskUrlCredentials('https://user:pass@hooks.example.com/x?y=1')).toBe('https://***@hooks.example.com/x?y=1');
    expect(maskUrlCredentials('https://token@hooks.example.com/x')).toBe('https://***@hooks.example.com/x');
    expect(maskUrlCredentials('https://:pass@hooks.example.com/')).toBe('https://***@hooks.example.com/');
    expect(maskUrlCredentials('https://hooks.example.com/x')).toBe('https://hooks.example.com/x');
    expect(maskUrlCredentials(null)).toBeNull();
  });

  it('stay stored when the masked URL is sent back, and change when another URL is', () => {
    const stored = 'https://user:pass@hooks.example.com/x';
    expect(keepStoredCredentials('https://***@hooks.example.com/x', stored)).toBe(stored);
    expect(keepStoredCredentials('https://***@hooks.example.com/other', stored)).toBe(
      'https://***@hooks.example.com/other',
    );
    expect(keepStoredCredentials('https://new:cred@hooks.example.com/x', stored)).toBe(
      'https://new:cred@hooks.example.com/x',
    );
    expect(keepStoredCredentials(null, stored)).toBeNull();
  });
});
