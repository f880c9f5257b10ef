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
  'billing-receipt': {
    name: SCRIPT,
    accountName: SCRIPT,
    invoiceNumber: SCRIPT,
    amountPaid: 1900,
    currency: 'usd',
    paidAt: '2026-11-30T12:00:00.000Z',
    hostedInvoiceUrl: `https://invoice.stripe.com/i/acct_1/test_"><script>alert(1)</script>`,
  },
  'billing-payment-failed': {
    name: SCRIPT,
    accountName: SCRIPT,
    invoiceNumber: SCRIPT,
    amountDue: 1900,
    currency: 'usd',
    graceUntil: '2026-12-05T12:00:00.000Z',
  },
  'billing-trial-ending': {
    name: SCRIPT,
    accountName: SCRIPT,
    planName: SCRIPT,
    trialEnd: '2026-12-03T12:00:00.000Z',
  },
  'billing-subscription-canceled': {
    name: SCRIPT,
    accountName: SCRIPT,
    planName: SCRIPT,
    endedAt: '2026-11-30T12:00:00.000Z',
  },
  'quota-alert': {
    name: SCRIPT,
    accountName: SCRIPT,
    feature: SCRIPT,
    used: 16,
    limit: 20,
    percent: 80,
    resetsAt: '2026-12-01T00:00:00.000Z',
    overage: false,
  },
};

/** Templates whose action leaves APP_URL: the receipt opens Stripe's page of the invoice. */
const EXTERNAL_ACTION: readonly MailTemplate[] = ['billing-receipt'];

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
    const home = EXTERNAL_ACTION.includes(template)
      ? 'https://invoice.stripe.com/'
      : 'https://app.example.com/';
    expect(link.startsWith(home)).toBe(true);
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

  describe('billing mails', () => {
    const base = { accountName: 'Engines', currency: 'usd' };

    it("a receipt: the amount, the invoice's number and date, Stripe's invoice page, the billing page", () => {
      const hosted = 'https://invoice.stripe.com/i/acct_1/test_abc';
      const { subject, text, link } = renderMail(
        'billing-receipt',
        {
          ...base,
          invoiceNumber: 'A1B2-0002',
          amountPaid: 1900,
          paidAt: '2026-11-30T12:00:00.000Z',
          hostedInvoiceUrl: hosted,
        },
        context,
      );
      expect(subject).toBe('Your Tollgate receipt: $19.00 paid');
      expect(text).toContain(
        'We received $19.00 for invoice A1B2-0002 of "Engines" on 2026-11-30T12:00:00.000Z.',
      );
      expect(link).toBe(hosted);
      expect(text).toContain(`View the invoice and receipt:\n${hosted}`);
      expect(text).toContain('https://app.example.com/billing');
    });

    it('a receipt without an https invoice page links to the billing page instead', () => {
      for (const hostedInvoiceUrl of [null, 'javascript:alert(1)', 'http://invoice.example/x', 'not a url']) {
        const { link, text } = renderMail(
          'billing-receipt',
          { ...base, invoiceNumber: null, amountPaid: 500, paidAt: '2026-11-30T12:00:00Z', hostedInvoiceUrl },
          context,
        );
        expect(link).toBe('https://app.example.com/billing');
        expect(text).toContain('for your invoice of "Engines"');
        if (hostedInvoiceUrl) expect(text).not.toContain(hostedInvoiceUrl);
      }
    });

    it('a failed payment: the amount, the end of the grace period, the billing page', () => {
      const failed = renderMail(
        'billing-payment-failed',
        { ...base, invoiceNumber: 'A1B2-0003', amountDue: 123456, graceUntil: '2026-12-05T12:00:00.000Z' },
        context,
      );
      expect(failed.subject).toBe('Your Tollgate payment of $1,234.56 failed');
      expect(failed.text).toContain('We could not collect $1,234.56 for invoice A1B2-0003 of "Engines".');
      expect(failed.text).toContain('Access continues until 2026-12-05T12:00:00.000Z');
      expect(failed.link).toBe('https://app.example.com/billing');

      const withoutGrace = renderMail(
        'billing-payment-failed',
        { ...base, invoiceNumber: null, amountDue: 1000, currency: 'jpy', graceUntil: null },
        context,
      );
      expect(withoutGrace.subject).toBe('Your Tollgate payment of ¥1,000 failed');
      expect(withoutGrace.text).toContain('not active until the payment goes through');
    });

    it('a trial ending and a subscription ended: the plan, the date, the billing page', () => {
      const trial = renderMail(
        'billing-trial-ending',
        { accountName: 'Engines', planName: 'Pro', trialEnd: '2026-12-03T12:00:00.000Z' },
        context,
      );
      expect(trial.subject).toBe('Your Tollgate Pro trial ends soon');
      expect(trial.text).toContain('The Pro trial of "Engines" ends on 2026-12-03T12:00:00.000Z.');
      expect(trial.link).toBe('https://app.example.com/billing');

      const ended = renderMail(
        'billing-subscription-canceled',
        { accountName: 'Engines', planName: null, endedAt: null },
        context,
      );
      expect(ended.subject).toBe('Your Tollgate subscription has ended');
      expect(ended.text).toContain('The subscription of "Engines" has ended.');
      expect(ended.link).toBe('https://app.example.com/billing');
    });
  });

  describe('quota-alert', () => {
    const alert = (params: Partial<MailTemplateParams['quota-alert']>) =>
      renderMail(
        'quota-alert',
        {
          accountName: 'Engines',
          feature: 'analyses',
          used: 16,
          limit: 20,
          percent: 80,
          resetsAt: '2026-12-01T00:00:00.000Z',
          overage: false,
          ...params,
        },
        context,
      );

    it('at 80%: the feature, used of limit, the percentage, when it resets, and a link to billing', () => {
      const { subject, text, link } = alert({});
      expect(subject).toBe('Usage alert: Engines has used 80% of its analyses quota on Tollgate');
      expect(text).toContain(
        'The account "Engines" has used 16 of the 20 analyses its plan includes this period (80%).',
      );
      expect(text).toContain(
        'Once all 20 are used, further requests will be refused (402 quota_exhausted) until the quota resets at 2026-12-01T00:00:00.000Z.',
      );
      expect(link).toBe('https://app.example.com/billing');
      expect(text).toContain('https://app.example.com/billing');
    });

    it('at 100%: further requests are refused until the reset', () => {
      const { subject, text } = alert({ used: 20, percent: 100 });
      expect(subject).toBe('Usage alert: Engines has used 100% of its analyses quota on Tollgate');
      expect(text).toContain('has used 20 of the 20 analyses its plan includes this period (100%).');
      expect(text).toContain(
        'Further requests are refused (402 quota_exhausted) until the quota resets at 2026-12-01T00:00:00.000Z.',
      );
    });

    it('with overage: uses past the limit are billed, not refused', () => {
      expect(alert({ overage: true }).text).toContain(
        'Uses past 20 will be billed as overage until the quota resets at 2026-12-01T00:00:00.000Z.',
      );
      const full = alert({ overage: true, used: 23, percent: 100 }).text;
      expect(full).toContain('has used 23 of the 20 analyses its plan includes this period (115%).');
      expect(full).toContain('Further uses are billed as overage until the quota resets');
      expect(full).not.toContain('refused');
    });

    it('says the use seen when one write crossed both thresholds (the 80% mail of a jump to the limit)', () => {
      expect(alert({ used: 20, percent: 80 }).text).toContain('has used 20 of the 20 analyses');
    });
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
    expect(secretParamsOf('billing-receipt')).toEqual([]);
    expect(secretParamsOf('quota-alert')).toEqual([]);
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
