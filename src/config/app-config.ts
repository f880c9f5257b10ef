import path from 'node:path';

import { Environment } from './environment';

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  apiBase?: URL;
}

export interface MailSettings {
  /** Null: mails are written as .eml files under `directory`. */
  smtpUrl: string | null;
  from: string;
  /** The display name of MAIL_FROM, else "Tollgate". */
  productName: string;
  /** The domain of MAIL_FROM's address, for Message-IDs. */
  domain: string;
  directory: string;
  appUrl: string;
}

/** The validated configuration, plus what boot resolved (the database actually in use). */
export class AppConfig {
  constructor(
    readonly env: Environment,
    readonly databaseUrl: string,
    readonly jwtSecret: string,
  ) {}

  get isProduction(): boolean {
    return this.env.NODE_ENV === 'production';
  }

  get stripe(): StripeSettings | null {
    if (!this.env.STRIPE_SECRET_KEY) return null;
    return {
      secretKey: this.env.STRIPE_SECRET_KEY,
      webhookSecret: this.env.STRIPE_WEBHOOK_SECRET,
      apiBase: this.env.STRIPE_API_BASE ? new URL(this.env.STRIPE_API_BASE) : undefined,
    };
  }

  get admin(): { email: string; password: string } | null {
    const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = this.env;
    return email && password ? { email: email.toLowerCase(), password } : null;
  }

  get mail(): MailSettings {
    const from = this.env.MAIL_FROM;
    const address = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
    const displayName = /^\s*"?([^"<]*?)"?\s*</.exec(from)?.[1]?.trim();
    return {
      smtpUrl: this.env.SMTP_URL ?? null,
      from,
      productName: displayName || 'Tollgate',
      domain: address.slice(address.lastIndexOf('@') + 1),
      directory: path.resolve(this.env.DATA_DIR, 'mail'),
      appUrl: this.env.APP_URL,
    };
  }
}
