import 'reflect-metadata';

import { AppConfig } from './app-config';
import { loadEnvironment } from './environment';

function mailSettings(source: NodeJS.ProcessEnv) {
  return new AppConfig(loadEnvironment(source), 'postgresql://unused', 'secret').mail;
}

describe('mail configuration', () => {
  it('writes files under DATA_DIR/mail and speaks as Tollgate by default', () => {
    expect(mailSettings({ DATA_DIR: '/srv/tollgate' })).toEqual({
      smtpUrl: null,
      from: 'Tollgate <no-reply@localhost>',
      productName: 'Tollgate',
      domain: 'localhost',
      directory: '/srv/tollgate/mail',
      appUrl: 'http://localhost:3000',
    });
  });

  it.each([
    'smtp://smtp.example.com:587',
    'smtps://smtp.example.com',
    'smtp://user:pass@smtp.example.com:2525',
    'smtps://apikey:s%40cr%3At@smtp.example.com:465',
  ])('takes %s', (url) => {
    expect(mailSettings({ SMTP_URL: url }).smtpUrl).toBe(url);
  });

  it.each(['http://smtp.example.com', 'smtp.example.com:587', 'smtp://', 'smtp://user:pass@'])(
    'refuses SMTP_URL=%s in one line, without echoing it (it may hold a password)',
    (url) => {
      expect(() => loadEnvironment({ SMTP_URL: url })).toThrow(
        /^Invalid configuration: SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/,
      );
      try {
        loadEnvironment({ SMTP_URL: url });
      } catch (error) {
        expect((error as Error).message).not.toContain('(got');
      }
    },
  );

  it('reads the product name and the Message-ID domain from MAIL_FROM', () => {
    expect(mailSettings({ MAIL_FROM: 'Acme Cloud <hello@mail.acme.test>' })).toMatchObject({
      productName: 'Acme Cloud',
      domain: 'mail.acme.test',
    });
    expect(mailSettings({ MAIL_FROM: '"Acme, Inc." <hello@acme.test>' }).productName).toBe('Acme, Inc.');
    expect(mailSettings({ MAIL_FROM: 'hello@acme.test' })).toMatchObject({
      productName: 'Tollgate',
      domain: 'acme.test',
    });
  });

  it.each(['nobody', 'Acme <>', 'a@b\r\nBcc: c@d'])('refuses MAIL_FROM=%j', (from) => {
    expect(() => loadEnvironment({ MAIL_FROM: from })).toThrow(
      /^Invalid configuration: MAIL_FROM must be an address/,
    );
  });

  it('bounds the retry settings', () => {
    expect(() => loadEnvironment({ MAIL_RETRY_BASE_MS: '60000' })).toThrow(/MAIL_RETRY_BASE_MS/);
    expect(() => loadEnvironment({ MAIL_GIVE_UP_AFTER_MINUTES: '0' })).toThrow(/MAIL_GIVE_UP_AFTER_MINUTES/);
    expect(loadEnvironment({ MAIL_WORKER_INTERVAL_MS: '250' }).MAIL_WORKER_INTERVAL_MS).toBe(250);
  });
});
