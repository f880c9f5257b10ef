import { Environment } from './environment';

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  apiBase?: URL;
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
}
