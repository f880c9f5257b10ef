import { MailContext, MailTemplate, MailTemplateParams } from './mail.types';
import { appLink, escapeHtml, isMailTemplate, renderMail, secretParamsOf } from './templates';

const context: MailContext = { productName: 'Tollgate', appUrl: 'https://app.example.com' };
const SCRIPT = '<script>alert("x")</script>';

/** One example of every template, each with a hostile value wherever a caller's text goes. */
const EXAMPLES: { [T in MailTemplate]: MailTemplateParams[T] } = {
  'verify-email': { name: SCRIPT, token: 'tok_verify' },
  'password-reset': { name: SCRIPT, token: 'tok_reset' },
  'password-changed': { name: SCRIPT, changedAt: '2026-11-30T12:00:00.000Z' },
  'email-change-confirm': { name: SCRIPT, newEmail: `"><img src=x onerror=alert(1)>@x.test`, token: 'tok_c' },
  'email-changed': {
    name: SCRIPT,
    newEmail: `'onmouseover='alert(1)@x.test`,
    changedAt: '2026-11-30T12:00:00Z',
  },
  'api-key-created': {
    name: SCRIPT,
    keyName: SCRIPT,
    keyPrefix: 'tg_abcdefg',
    scopes: ['read', 'write'],
    createdAt: '2026-11-30T12:00:00.000Z',
  },
  'team-invitation': {
    name: SCRIPT,
    accountName: SCRIPT,
    inviterName: SCRIPT,
    inviterEmail: `"><img src=x onerror=alert(1)>@x.test`,
    role: 'admin',
    token: 'tok_invite',
  },
  'duplicate-subscription-refunded': {
    name: SCRIPT,
    accountName: SCRIPT,
    refunded: '$190.00',
    canceledAt: '2026-11-30T12:00:00.000Z',
  },
};

/** The same parameters with every markup character taken out. */
function harmless<P extends object>(params: P): P {
  return JSON.parse(JSON.stringify(params).replace(/[<>']|\\"/g, '')) as P;
}

function render<T extends MailTemplate>(template: T) {
  return renderMail(template, EXAMPLES[template], context);
}

describe('mail templates', () => {
  const templates = Object.keys(EXAMPLES) as MailTemplate[];

  it.each(templates)('%s: no interpolated value adds markup to the HTML part', (template) => {
    const { html } = render(template);
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    // Markup characters come from the layout alone: as many as with harmless values.
    const markup = (source: string) => source.replace(/[^<>"']/g, '').length;
    expect(markup(html)).toBe(markup(renderMail(template, harmless(EXAMPLES[template]), context).html));
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The layout's own tags are there: only the values were escaped.
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<p style=');
  });

  it.each(templates)('%s: a plain text part and an HTML part, both naming the product', (template) => {
    const { subject, text, html, link } = render(template);
    expect(subject).toContain('Tollgate');
    expect(text).toContain('Tollgate');
    expect(html).toContain('Tollgate');
    expect(text).not.toContain('<p');
    expect(text).toContain(`Hello ${SCRIPT},`); // plain text is shown as text: nothing to escape
    expect(link.startsWith('https://app.example.com/')).toBe(true);
    expect(text).toContain(link);
  });

  it('puts each action link under APP_URL with its token', () => {
    expect(render('verify-email').link).toBe('https://app.example.com/verify-email?token=tok_verify');
    expect(render('password-reset').link).toBe('https://app.example.com/reset-password?token=tok_reset');
    expect(render('email-change-confirm').link).toBe('https://app.example.com/confirm-email?token=tok_c');
    expect(render('team-invitation').link).toBe(
      'https://app.example.com/invitations/accept?token=tok_invite',
    );
    expect(render('verify-email').html).toContain(
      'href="https://app.example.com/verify-email?token=tok_verify"',
    );
  });

  it("names the API key and its prefix, never anything that isn't in the params", () => {
    const { text, subject } = render('api-key-created');
    expect(subject).toBe('A new API key was created on your Tollgate account');
    expect(text).toContain(`named "${SCRIPT}"`);
    expect(text).toContain('tg_abcdefg');
    expect(text).toContain('read, write');
  });

  it('names the account, the inviter and the role of an invitation', () => {
    const { text, subject } = renderMail(
      'team-invitation',
      { accountName: 'Engines', inviterName: 'Ada', inviterEmail: 'ada@x.test', role: 'admin', token: 't' },
      context,
    );
    expect(subject).toBe('Ada (ada@x.test) invited you to Engines on Tollgate');
    expect(text).toContain('join the account "Engines" on Tollgate as an admin');
    expect(text).toContain('expires in 7 days');
  });

  it('says what was canceled and refunded for a duplicate subscription, and that the first goes on', () => {
    const refunded = renderMail(
      'duplicate-subscription-refunded',
      { accountName: 'Engines', refunded: '$190.00', canceledAt: '2026-11-30T12:00:00.000Z' },
      context,
    );
    expect(refunded.subject).toBe('We refunded a second Tollgate subscription');
    expect(refunded.text).toContain('canceled the second subscription and refunded its payment of $190.00');
    expect(refunded.text).toContain('Your first subscription goes on as before');
    expect(refunded.link).toBe('https://app.example.com/billing');
    const free = renderMail(
      'duplicate-subscription-refunded',
      { accountName: 'Engines', refunded: null, canceledAt: '2026-11-30T12:00:00.000Z' },
      context,
    );
    expect(free.subject).toBe('We canceled a second Tollgate subscription');
    expect(free.text).not.toContain('refund');
  });

  it('greets without a name when there is none', () => {
    const { text } = renderMail('password-reset', { token: 't' }, context);
    expect(text.startsWith('Hello,\n')).toBe(true);
  });

  it('keeps a subject on one line', () => {
    const { subject } = renderMail(
      'verify-email',
      { token: 't' },
      { ...context, productName: 'Evil\r\nBcc: x@y' },
    );
    expect(subject).not.toMatch(/[\r\n]/);
  });

  it('names the secret parameters to drop from the outbox once sent', () => {
    expect(secretParamsOf('verify-email')).toEqual(['token']);
    expect(secretParamsOf('password-reset')).toEqual(['token']);
    expect(secretParamsOf('email-change-confirm')).toEqual(['token']);
    expect(secretParamsOf('api-key-created')).toEqual([]);
    expect(secretParamsOf('team-invitation')).toEqual(['token']);
    expect(secretParamsOf('no-such-template')).toEqual([]);
    expect(isMailTemplate('api-key-created')).toBe(true);
    expect(isMailTemplate('toString')).toBe(false);
  });
});

describe('appLink', () => {
  it('keeps APP_URL’s own path and encodes the query', () => {
    expect(
      appLink({ ...context, appUrl: 'https://example.com/app' }, 'verify-email', { token: 'a+b/c=' }),
    ).toBe('https://example.com/app/verify-email?token=a%2Bb%2Fc%3D');
    expect(appLink({ ...context, appUrl: 'http://localhost:3000/' }, '')).toBe('http://localhost:3000/');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
