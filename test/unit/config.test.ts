import { DEVELOPMENT_JWT_SECRET } from '../../src/config';
import { loadAppConfig as loadConfig } from '../../src/modules';
import { alertSettings } from '../../src/alerts/alerts-config';

describe('loadConfig', () => {
  it('defaults: port 4001, no DATABASE_URL (embedded PostgreSQL), the development secret', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4001);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.production).toBe(false);
    expect(config.auth.jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
    expect(config.logLevel).toBe('info');
  });

  it('reads every setting from the environment', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://db/audit',
      AUTH_JWT_SECRET: 's3cret',
      AUTH_ISSUER: 'https://id.example.com/',
      AUTH_AUDIENCE: 'audit',
      GEOIP_DB_PATH: '/geo.mmdb',
      MAX_BODY_BYTES: '1000',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgresql://db/audit',
      auth: { jwtSecret: 's3cret', issuer: 'https://id.example.com/', audience: 'audit' },
      logLevel: 'debug',
    });
    expect(config.limits.maxBodyBytes).toBe(1000);
    expect(config.settings.of(alertSettings).GEOIP_DB_PATH).toBe('/geo.mmdb');
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 4001 });
  });

  it('refuses production without a real key, accepts it with one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET or AUTH_JWKS_URL/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x' }).production).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id/jwks' }).auth.jwtSecret).toBeUndefined();
  });

  it('names a malformed number', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT must be an integer ≥ 0, got "abc"/);
    expect(() => loadConfig({ MAX_QUERY_DEPTH: '-1' })).toThrow(/MAX_QUERY_DEPTH/);
  });
});
