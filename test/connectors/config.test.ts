import { describe, expect, it } from 'vitest';
import { redactSecrets, resolveConnectors } from '../../src/actions/connectors/config.js';
import { SwitchyardError } from '../../src/errors.js';

const slack = { name: 'sales-slack', type: 'slack', secrets: { webhookUrl: { env: 'SLACK_URL' } } };
const smtp = {
  name: 'backup-smtp',
  type: 'smtp',
  settings: { host: 'smtp.example.com', port: 587, from: 'Desk <desk@example.com>', timeout: '20s' },
  secrets: { user: { env: 'SMTP_USER' }, pass: { file: 'smtp-pass' } },
  rateLimit: { perSecond: 5 },
  costPerCall: 0.001,
  breaker: { failureRate: 0.5, window: '1m', openFor: '2m' },
};

function configError(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SwitchyardError) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('resolveConnectors', () => {
  it('resolves secrets from env and the secrets file, and freezes the result', () => {
    const connectors = resolveConnectors([slack, smtp], {
      env: { SLACK_URL: 'https://hooks.slack.com/services/T/B/abc123', SMTP_USER: 'desk' },
      secretsFile: { 'smtp-pass': 'hunter2-long' },
    });
    const mail = connectors.get('backup-smtp');
    expect(mail).toMatchObject({
      type: 'smtp',
      secrets: { user: 'desk', pass: 'hunter2-long' },
      rateLimit: { perSecond: 5 },
      costPerCall: 0.001,
      breaker: { failureRate: 0.5, windowMs: 60_000, openMs: 120_000, minimumVolume: 10 },
      timeoutMs: 20_000,
    });
    expect(Object.isFrozen(mail)).toBe(true);
    expect(Object.isFrozen(mail?.secrets)).toBe(true);
    expect(connectors.get('sales-slack')?.breaker.openMs).toBe(15 * 60_000);
  });

  it('names the connector and the missing variable, never a value', () => {
    const error = configError(() => resolveConnectors([slack, smtp], { env: { SMTP_USER: 'desk' }, secretsFile: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    const messages = error.problems.map((p) => p.message);
    expect(messages).toContain('connector "sales-slack": secret "webhookUrl" reads environment variable SLACK_URL, which is not set');
    expect(messages).toContain('connector "backup-smtp": secret "pass" reads "smtp-pass" from the secrets file, which has no such string key');
    expect(error.message).toMatch(/sales-slack.*SLACK_URL/);
  });

  it('checks what each type needs, without echoing secret values', () => {
    const error = configError(() =>
      resolveConnectors(
        [
          { name: 'api', type: 'http', settings: { baseUrl: 'ftp://x' } },
          { name: 'sms', type: 'twilio', secrets: { authToken: { env: 'TOKEN' } } },
          { name: 'hook', type: 'teams', secrets: { webhookUrl: { env: 'HOOK' } } },
          { name: 'api', type: 'slack' },
        ],
        { env: { TOKEN: 't0ken-value', HOOK: 'not a url but secret-ish' } },
      ),
    );
    const messages = error.problems.map((p) => p.message).join('\n');
    expect(messages).toContain('settings.baseUrl is not an http(s) URL');
    expect(messages).toContain('connector "sms" (twilio) needs settings.from');
    expect(messages).toContain('connector "sms" (twilio) needs secrets.accountSid');
    expect(messages).toContain('connector "hook": secret "webhookUrl" is not an http(s) URL');
    expect(messages).toContain('connector "api" is declared twice');
    expect(messages).not.toContain('secret-ish');
    expect(messages).not.toContain('t0ken-value');
  });

  it('rejects a malformed list', () => {
    expect(configError(() => resolveConnectors([{ name: 'x', type: 'fax' }], { env: {} })).code).toBe('CONFIG_INVALID');
    expect(configError(() => resolveConnectors([{ ...slack, secrets: { webhookUrl: 'inline!' } }], { env: {} })).code).toBe('CONFIG_INVALID');
  });
});

describe('redactSecrets', () => {
  it('redacts strings and every string in an object, encoded forms included', () => {
    const secrets = { token: 'abc/def+ghi', pass: 'p4ssw0rd' };
    expect(redactSecrets('POST https://x/abc/def+ghi failed, also abc%2Fdef%2Bghi', secrets)).toBe('POST https://x/[REDACTED] failed, also [REDACTED]');
    expect(redactSecrets({ a: ['p4ssw0rd!'], b: { c: 'ok', n: 1 } }, secrets)).toEqual({ a: ['[REDACTED]!'], b: { c: 'ok', n: 1 } });
    expect(redactSecrets('nothing here', [])).toBe('nothing here');
  });

  it('redacts the parts of a secret a service may echo alone', () => {
    const hook = 'https://hooks.slack.com/services/T0001/B0002/XyZsecretHookToken42';
    expect(redactSecrets('POST hooks.slack.com /services/T0001/B0002/XyZsecretHookToken42 failed', [hook])).toBe('POST hooks.slack.com [REDACTED] failed');
    expect(redactSecrets('token XyZsecretHookToken42 revoked', [hook])).toBe('token [REDACTED] revoked');
    expect(redactSecrets('bad token sk_live_0123456789', ['Bearer sk_live_0123456789'])).toBe('bad token [REDACTED]');
  });
});
