import { alertSettings, alertsConfigFrom, DEVELOPMENT_WEBHOOK_SECRET } from '../../src/alerts/alerts-config';
import { loadAppConfig } from '../../src/modules';

function loadAlertsConfig(env: NodeJS.ProcessEnv) {
  const config = loadAppConfig({ AUTH_JWT_SECRET: 'x', ...env });
  return alertsConfigFrom(config.settings.of(alertSettings), config.production);
}

describe('alert webhook signing secret', () => {
  it('uses the development secret outside production', () => {
    expect(loadAlertsConfig({}).webhook).toMatchObject({ secret: DEVELOPMENT_WEBHOOK_SECRET, secretIsDefault: true });
  });

  it('has none in production unless set, so that nothing is signed with a public secret', () => {
    expect(loadAlertsConfig({ NODE_ENV: 'production' }).webhook.secret).toBeNull();
    expect(loadAlertsConfig({ NODE_ENV: 'production', ALERT_WEBHOOK_SECRET: 's3cret' }).webhook.secret).toBe('s3cret');
  });

  it('refuses a malformed setting', () => {
    expect(() => loadAlertsConfig({ ALERT_DETECTORS: 'maybe' })).toThrow(/ALERT_DETECTORS/);
    expect(() => loadAlertsConfig({ ALERT_WEBHOOK_TIMEOUT_MS: '-1' })).toThrow(/ALERT_WEBHOOK_TIMEOUT_MS/);
  });
});
