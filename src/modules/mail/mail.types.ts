/**
 * The parameters of each mail template. A new mail is a member here and a definition in
 * `templates.ts`; `MailOutbox.enqueue` then accepts it, typed.
 */
export interface MailTemplateParams {
  /** At signup or on request: the link confirms the address (24 h). */
  'verify-email': { name?: string | null; token: string };
  /** Forgot password: the link sets a new one (1 h). */
  'password-reset': { name?: string | null; token: string };
  /** After a password change or reset, to the account's address. */
  'password-changed': { name?: string | null; changedAt: string };
  /** To the new address of an email change: the link makes the change. */
  'email-change-confirm': { name?: string | null; newEmail: string; token: string };
  /** To the old address once the change is made. */
  'email-changed': { name?: string | null; newEmail: string; changedAt: string };
  /** A key was created on the account: its name, never the key. */
  'api-key-created': {
    name?: string | null;
    keyName: string;
    keyPrefix: string;
    scopes: string[];
    createdAt: string;
  };
  /** To an invited address: the link joins the account (7 days). The invitee may have no account yet. */
  'team-invitation': {
    name?: string | null;
    accountName: string;
    inviterName: string | null;
    inviterEmail: string;
    role: string;
    token: string;
  };
  /** To an account's owners: a second subscription (two checkouts paid) was canceled at once and refunded. */
  'duplicate-subscription-refunded': {
    name?: string | null;
    accountName: string;
    /** What was refunded ("$190.00"), or null when nothing had been charged. */
    refunded: string | null;
    canceledAt: string;
  };
  /** To an account's owners and admins when an invoice is paid. Amounts in the currency's smallest unit. */
  'billing-receipt': {
    name?: string | null;
    accountName: string;
    invoiceNumber: string | null;
    amountPaid: number;
    currency: string;
    paidAt: string;
    /** Stripe's page of the invoice (with its receipt and PDF), when it has one. */
    hostedInvoiceUrl: string | null;
  };
  /** To an account's owners and admins when a payment of an invoice fails. */
  'billing-payment-failed': {
    name?: string | null;
    accountName: string;
    invoiceNumber: string | null;
    amountDue: number;
    currency: string;
    /** Until when access continues (the subscription's grace period), or null when it does not. */
    graceUntil: string | null;
  };
  /** To an account's owners and admins three days before a trial ends (Stripe's `trial_will_end`). */
  'billing-trial-ending': {
    name?: string | null;
    accountName: string;
    planName: string | null;
    trialEnd: string | null;
  };
  /** To an account's owners and admins when its subscription has ended. */
  'billing-subscription-canceled': {
    name?: string | null;
    accountName: string;
    planName: string | null;
    endedAt: string | null;
  };
  /**
   * To an account's owners and admins: its use of a quota this period reached `percent` (80 or 100) of
   * the limit. `used` is the use when it was seen, `resetsAt` ISO 8601; `overage`: uses past the limit
   * are billed instead of refused.
   */
  'quota-alert': {
    name?: string | null;
    accountName: string;
    feature: string;
    used: number;
    limit: number;
    percent: number;
    resetsAt: string;
    overage: boolean;
  };
}

export type MailTemplate = keyof MailTemplateParams;

/** A mail to send: `cause` names what made it (`api_key.created:<keyId>`); one cause sends one mail. */
export type OutgoingMail = {
  [T in MailTemplate]: {
    template: T;
    to: string;
    cause: string;
    /** The user the mail is about, so their personal data can be erased from the outbox with them. */
    userId?: string | null;
    params: MailTemplateParams[T];
  };
}[MailTemplate];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** The link the mail is about (the action), or the product's address. */
  link: string;
}

export interface MailContext {
  productName: string;
  appUrl: string;
}
