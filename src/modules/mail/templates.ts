import { MailContext, MailTemplate, MailTemplateParams, RenderedMail } from './mail.types';
import { formatAmount } from './money';

/**
 * Every mail the service sends, in plain text and HTML. Templates hand `compose` plain strings; it
 * escapes every one of them for the HTML part, so no value (a user's name, a key's name) can add
 * markup. Nothing here imports the framework: the unit tests render the real templates.
 */

interface Composition {
  subject: string;
  name?: string | null;
  paragraphs: string[];
  action?: { label: string; link: string };
  /** Said after the action, e.g. what to do if the reader did not ask for the mail. */
  closing: string;
}

interface TemplateDefinition<T extends MailTemplate> {
  /** Parameters removed from the outbox row once it is sent or given up (tokens). */
  secretParams: readonly (keyof MailTemplateParams[T])[];
  render(params: MailTemplateParams[T], context: MailContext): Composition;
}

const TEMPLATES: { [T in MailTemplate]: TemplateDefinition<T> } = {
  'verify-email': {
    secretParams: ['token'],
    render: (params, context) => ({
      subject: `Confirm your email address for ${context.productName}`,
      name: params.name,
      paragraphs: [
        `Please confirm that this is your email address to finish setting up your ${context.productName} account.`,
      ],
      action: {
        label: 'Confirm my email address',
        link: appLink(context, 'verify-email', { token: params.token }),
      },
      closing: 'The link works once and expires in 24 hours. If you did not sign up, ignore this mail.',
    }),
  },
  'password-reset': {
    secretParams: ['token'],
    render: (params, context) => ({
      subject: `Reset your ${context.productName} password`,
      name: params.name,
      paragraphs: [`Someone asked to reset the password of your ${context.productName} account.`],
      action: {
        label: 'Choose a new password',
        link: appLink(context, 'reset-password', { token: params.token }),
      },
      closing:
        'The link works once and expires in 1 hour. If you did not ask for it, ignore this mail: your password stays as it is.',
    }),
  },
  'password-changed': {
    secretParams: [],
    render: (params, context) => ({
      subject: `Your ${context.productName} password was changed`,
      name: params.name,
      paragraphs: [
        `The password of your ${context.productName} account was changed at ${params.changedAt}. Your other sessions were signed out.`,
      ],
      action: { label: `Open ${context.productName}`, link: appLink(context, '') },
      closing: 'If you did not change it, reset your password at once and contact us.',
    }),
  },
  'email-change-confirm': {
    secretParams: ['token'],
    render: (params, context) => ({
      subject: `Confirm your new email address for ${context.productName}`,
      name: params.name,
      paragraphs: [
        `Someone asked to use ${params.newEmail} as the email address of a ${context.productName} account.`,
      ],
      action: {
        label: 'Confirm the new address',
        link: appLink(context, 'confirm-email', { token: params.token }),
      },
      closing: 'The link works once and expires in 24 hours. If you did not ask for it, ignore this mail.',
    }),
  },
  'email-changed': {
    secretParams: [],
    render: (params, context) => ({
      subject: `The email address of your ${context.productName} account was changed`,
      name: params.name,
      paragraphs: [
        `At ${params.changedAt} the email address of your ${context.productName} account was changed to ${params.newEmail}. Mail about the account now goes there.`,
      ],
      action: { label: `Open ${context.productName}`, link: appLink(context, '') },
      closing: 'If you did not make this change, contact us at once.',
    }),
  },
  'api-key-created': {
    secretParams: [],
    render: (params, context) => ({
      subject: `A new API key was created on your ${context.productName} account`,
      name: params.name,
      paragraphs: [
        `An API key named "${params.keyName}" (starting with ${params.keyPrefix}, scopes: ${params.scopes.join(', ')}) was created on your account at ${params.createdAt}.`,
      ],
      action: { label: `Review your API keys`, link: appLink(context, '') },
      closing: 'If you did not create it, revoke it and change your password.',
    }),
  },
  'team-invitation': {
    secretParams: ['token'],
    render: (params, context) => {
      const inviter = params.inviterName
        ? `${params.inviterName} (${params.inviterEmail})`
        : params.inviterEmail;
      return {
        subject: `${inviter} invited you to ${params.accountName} on ${context.productName}`,
        name: params.name,
        paragraphs: [
          `${inviter} invited you to join the account "${params.accountName}" on ${context.productName} as ${params.role === 'admin' ? 'an admin' : `a ${params.role}`}.`,
          `Sign in, or sign up with this email address, then accept the invitation.`,
        ],
        action: {
          label: `Join ${params.accountName}`,
          link: appLink(context, 'invitations/accept', { token: params.token }),
        },
        closing:
          'The link works once and expires in 7 days. If you do not know the sender, ignore this mail.',
      };
    },
  },
  'duplicate-subscription-refunded': {
    secretParams: [],
    render: (params, context) => ({
      subject: params.refunded
        ? `We refunded a second ${context.productName} subscription`
        : `We canceled a second ${context.productName} subscription`,
      name: params.name,
      paragraphs: [
        `Two checkouts were completed for the account "${params.accountName}", so it was subscribed twice. At ${params.canceledAt} we canceled the second subscription${params.refunded ? ` and refunded its payment of ${params.refunded}` : ''}.`,
        'Your first subscription goes on as before; there is nothing you need to do.',
        ...(params.refunded
          ? ['The refund appears on your statement within 5 to 10 business days, depending on your bank.']
          : []),
      ],
      action: { label: 'Review your billing', link: appLink(context, 'billing') },
      closing: 'If you meant to buy a second subscription, contact us.',
    }),
  },
  'billing-receipt': {
    secretParams: [],
    render: (params, context) => {
      const amount = formatAmount(params.amountPaid, params.currency);
      const invoice = params.invoiceNumber ? `invoice ${params.invoiceNumber}` : 'your invoice';
      const hosted = httpsLink(params.hostedInvoiceUrl);
      return {
        subject: `Your ${context.productName} receipt: ${amount} paid`,
        name: params.name,
        paragraphs: [
          `We received ${amount} for ${invoice} of "${params.accountName}" on ${params.paidAt}. Thank you.`,
        ],
        action: hosted
          ? { label: 'View the invoice and receipt', link: hosted }
          : { label: 'See your invoices', link: billingLink(context) },
        closing: `Keep this mail for your records. Every invoice of the account, with its PDF: ${billingLink(context)}`,
      };
    },
  },
  'billing-payment-failed': {
    secretParams: [],
    render: (params, context) => {
      const amount = formatAmount(params.amountDue, params.currency);
      const invoice = params.invoiceNumber ? `invoice ${params.invoiceNumber}` : 'your invoice';
      return {
        subject: `Your ${context.productName} payment of ${amount} failed`,
        name: params.name,
        paragraphs: [
          `We could not collect ${amount} for ${invoice} of "${params.accountName}".`,
          params.graceUntil
            ? `Access continues until ${params.graceUntil}; please update the payment method before then.`
            : 'The subscription is not active until the payment goes through; please update the payment method.',
        ],
        action: { label: 'Update the payment method', link: billingLink(context) },
        closing: 'Stripe retries the payment with the payment method on file.',
      };
    },
  },
  'billing-trial-ending': {
    secretParams: [],
    render: (params, context) => {
      const plan = params.planName ? `${params.planName} trial` : 'trial';
      return {
        subject: `Your ${context.productName} ${plan} ends soon`,
        name: params.name,
        paragraphs: [
          params.trialEnd
            ? `The ${plan} of "${params.accountName}" ends on ${params.trialEnd}.`
            : `The ${plan} of "${params.accountName}" ends soon.`,
          'To keep access afterwards, make sure a payment method is on file.',
        ],
        action: { label: 'Review billing', link: billingLink(context) },
        closing: 'If you do not want to continue, cancel before the trial ends.',
      };
    },
  },
  'billing-subscription-canceled': {
    secretParams: [],
    render: (params, context) => {
      const subscription = params.planName ? `${params.planName} subscription` : 'subscription';
      return {
        subject: `Your ${context.productName} ${subscription} has ended`,
        name: params.name,
        paragraphs: [
          params.endedAt
            ? `The ${subscription} of "${params.accountName}" ended on ${params.endedAt}.`
            : `The ${subscription} of "${params.accountName}" has ended.`,
          "The plan's features are no longer available to the account.",
        ],
        action: { label: 'Subscribe again', link: billingLink(context) },
        closing: 'If you did not expect this, contact us.',
      };
    },
  },
  'quota-alert': {
    secretParams: [],
    render: (params, context) => {
      const past = params.overage
        ? `${params.percent >= 100 ? 'Further uses are' : `Uses past ${params.limit} will be`} billed as overage`
        : `${params.percent >= 100 ? 'Further requests are' : `Once all ${params.limit} are used, further requests will be`} refused (402 quota_exhausted)`;
      return {
        subject: `Usage alert: ${params.accountName} has used ${params.percent}% of its ${params.feature} quota on ${context.productName}`,
        name: params.name,
        paragraphs: [
          `The account "${params.accountName}" has used ${params.used} of the ${params.limit} ${params.feature} its plan includes this period (${Math.floor((params.used * 100) / params.limit)}%).`,
          `${past} until the quota resets at ${params.resetsAt}.`,
        ],
        action: { label: 'Review your plan', link: appLink(context, 'billing') },
        closing: `This mail goes to the owners and admins of "${params.accountName}", once at 80% and once at 100% of a quota each period.`,
      };
    },
  },
};

export function isMailTemplate(name: string): name is MailTemplate {
  return Object.hasOwn(TEMPLATES, name);
}

export function renderMail<T extends MailTemplate>(
  template: T,
  params: MailTemplateParams[T],
  context: MailContext,
): RenderedMail {
  return compose(TEMPLATES[template].render(params, context), context);
}

/** The parameters that must not stay in the outbox once the mail is out (the links' tokens). */
export function secretParamsOf(template: string): string[] {
  return isMailTemplate(template) ? TEMPLATES[template].secretParams.map(String) : [];
}

/** `APP_URL` + path, kept under APP_URL's own path (`https://example.com/app` → `/app/verify-email`). */
export function appLink(context: MailContext, path: string, query: Record<string, string> = {}): string {
  const base = context.appUrl.endsWith('/') ? context.appUrl : `${context.appUrl}/`;
  const url = new URL(path, base);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

/** Where billing mails send their readers: `APP_URL/billing`. */
function billingLink(context: MailContext): string {
  return appLink(context, 'billing');
}

/** A link from Stripe (an invoice page), only if it is an https URL. */
function httpsLink(value: string | null): string | null {
  if (!value || !URL.canParse(value)) return null;
  const url = new URL(value);
  return url.protocol === 'https:' ? url.toString() : null;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => HTML_ENTITIES[character] ?? character);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function compose(mail: Composition, context: MailContext): RenderedMail {
  const subject = mail.subject.replace(/[\r\n]+/g, ' ');
  const greeting = mail.name ? `Hello ${mail.name},` : 'Hello,';
  const link = mail.action?.link ?? appLink(context, '');
  const text = [
    greeting,
    ...mail.paragraphs,
    ...(mail.action ? [`${mail.action.label}:\n${mail.action.link}`] : []),
    mail.closing,
    `— ${context.productName}`,
  ].join('\n\n');

  const paragraph = (value: string) => `<p style="margin:0 0 16px">${escapeHtml(value)}</p>`;
  const button = mail.action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(mail.action.link)}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(mail.action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#57606a">Or open this link: ${escapeHtml(mail.action.link)}</p>`
    : '';
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:24px;background:#f6f8fa;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#1f2328">',
    '<div style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px;padding:32px">',
    paragraph(greeting),
    ...mail.paragraphs.map(paragraph),
    button,
    paragraph(mail.closing),
    `<p style="margin:24px 0 0;color:#57606a">— <a href="${escapeHtml(appLink(context, ''))}" style="color:#57606a">${escapeHtml(context.productName)}</a></p>`,
    '</div></body></html>',
  ].join('\n');
  return { subject, text, html, link };
}
