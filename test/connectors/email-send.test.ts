import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { emailSend } from '../../src/actions/connectors/email-send.js';
import { classifyFailure } from '../../src/failures/action-failures.js';
import { compileProblems, compileStep, connectorsFor, everythingIn, stepContext, thrown } from './helpers.js';

const PASSWORD = 'smtp-Pa55word-7781';
const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

interface Received {
  from?: string;
  to: string[];
  raw: string;
}

/** An SMTP server on 127.0.0.1 that requires PLAIN/LOGIN auth (no TLS) and keeps what it receives. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'desk' && auth.password === PASSWORD) return callback(null, { user: 'desk' });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        received.push({ from: from ? from.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, received };
}

function context(port: number, allow = [`127.0.0.1:${port}`]): ReturnType<typeof stepContext> {
  const connectors = connectorsFor(
    [{ name: 'mail', type: 'smtp', settings: { host: '127.0.0.1', port, from: 'Desk <desk@example.com>' }, secrets: { user: { env: 'SMTP_USER' }, pass: { env: 'SMTP_PASS' } } }],
    { SMTP_USER: 'desk', SMTP_PASS: PASSWORD },
    allow,
  );
  return stepContext(connectors);
}

const step = { connector: 'mail', to: 'record.owner', subject: '"Deal " + record.name', text: '"Amount: " + string(record.amount)' };

describe('email.send', () => {
  it('compiles its templates and needs a body', () => {
    expect(compileProblems(emailSend, step)).toEqual([]);
    expect(compileProblems(emailSend, { connector: 'mail', to: 'record.amount', subject: '"s"' }).map((p) => p.message)).toEqual([
      'expression returns double, a string is needed',
      'give text, html, or both',
    ]);
  });

  it('delivers with the idempotency key as header and Message-ID', async () => {
    const smtp = await startSmtp();
    const output = await emailSend.run(compileStep(emailSend, step), context(smtp.port));
    expect(output).toEqual({ messageId: '<exec-1.notify@example.com>', accepted: ['ana@example.com'], rejected: [] });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0] as Received;
    expect(mail.from).toBe('desk@example.com');
    expect(mail.to).toEqual(['ana@example.com']);
    expect(mail.raw).toContain('X-Idempotency-Key: exec-1:notify');
    expect(mail.raw).toContain('Message-ID: <exec-1.notify@example.com>');
    expect(mail.raw).toContain('Subject: Deal Acme renewal');
    expect(mail.raw).toContain('Amount: 60000');
  });

  it('checks the SMTP host with the address policy before connecting', async () => {
    const smtp = await startSmtp();
    const error = await thrown(emailSend.run(compileStep(emailSend, step), context(smtp.port, [])));
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'SSRF_REFUSED' });
    expect(smtp.received).toHaveLength(0);
  });

  it('fails for good on bad credentials, without showing them', async () => {
    const smtp = await startSmtp({
      onAuth(_auth, _session, callback) {
        callback(Object.assign(new Error(`535 password ${PASSWORD} is wrong`), { responseCode: 535 }));
      },
    });
    const error = await thrown(emailSend.run(compileStep(emailSend, step), context(smtp.port)));
    expect(classifyFailure(error)).toMatchObject({ retryable: false, code: 'SMTP_AUTH_FAILED' });
    expect(error.message).toContain('[REDACTED]');
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });

  it('retries a 4xx reply and gives up on a 5xx reply', async () => {
    const busy = await startSmtp({ onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('try later'), { responseCode: 451 })) });
    expect(classifyFailure(await thrown(emailSend.run(compileStep(emailSend, step), context(busy.port))))).toMatchObject({ retryable: true, code: 'SMTP_TRANSIENT' });
    const unknown = await startSmtp({ onRcptTo: (_a, _s, cb) => cb(Object.assign(new Error('no such user'), { responseCode: 550 })) });
    expect(classifyFailure(await thrown(emailSend.run(compileStep(emailSend, step), context(unknown.port))))).toMatchObject({ retryable: false, code: 'SMTP_REJECTED' });
  });

  it('treats a refused connection as retryable', async () => {
    const smtp = await startSmtp();
    const port = smtp.port;
    await new Promise<void>((resolve) => (servers.pop() as SMTPServer).close(() => resolve()));
    const error = await thrown(emailSend.run(compileStep(emailSend, step), context(port)));
    expect(classifyFailure(error)).toMatchObject({ retryable: true, code: 'NETWORK_ERROR' });
    expect(everythingIn(error)).not.toContain(PASSWORD);
  });
});
