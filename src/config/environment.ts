import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  validateSync,
} from 'class-validator';

import { ConfigurationError } from './configuration-error';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no'].includes(normalized)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** An integer variable within [min, max], given as a string in the environment. */
function IntSetting(min: number, max: number): PropertyDecorator {
  const decorators = [Transform(toInt), IsInt(), Min(min), Max(max)];
  return (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };
}

/** An smtp:// or smtps:// URL with a host (and user:pass when the server wants them). */
function IsSmtpUrl(): PropertyDecorator {
  return ValidateBy({
    name: 'isSmtpUrl',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          const url = new URL(value);
          return ['smtp:', 'smtps:'].includes(url.protocol) && url.hostname !== '';
        } catch {
          return false;
        }
      },
      defaultMessage: () =>
        'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@smtp.example.com:587 (user and password URL-encoded)',
    },
  });
}

export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  // Without it the service starts an embedded PostgreSQL whose superuser password is well known.
  @Transform(emptyToUndefined)
  @ValidateIf((env: Environment) => env.NODE_ENV === 'production' || env.DATABASE_URL !== undefined)
  @Matches(/^postgres(ql)?:\/\/\S+$/, {
    message:
      'must be a postgresql:// URL (required when NODE_ENV=production: the embedded PostgreSQL is for development)',
  })
  DATABASE_URL?: string;

  @IntSetting(0, 65535)
  PORT = 3000;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Environment) => env.NODE_ENV === 'production' || env.JWT_SECRET !== undefined)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (and required when NODE_ENV=production)' })
  JWT_SECRET?: string;

  /** How long an access token works (seconds); a session lives on through its refresh token. */
  @IntSetting(5, 86_400)
  ACCESS_TOKEN_TTL = 900;

  /** How long a session may go unused (no refresh) before it must sign in again (seconds). */
  @IntSetting(300, 365 * 86_400)
  REFRESH_TOKEN_TTL = 30 * 86_400;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^(sk|rk)_(test|live)_\w+$/, { message: 'must look like sk_test_… or sk_live_…' })
  STRIPE_SECRET_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^whsec_\w+$/, { message: 'must look like whsec_…' })
  STRIPE_WEBHOOK_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  STRIPE_API_BASE?: string;

  @IntSetting(100, 120_000)
  STRIPE_TIMEOUT_MS = 10_000;

  @IntSetting(0, 5)
  STRIPE_MAX_NETWORK_RETRIES = 2;

  /** Requests per second to Stripe for all instances together (each takes its share); Stripe's test mode allows 25. */
  @IntSetting(1, 10_000)
  STRIPE_MAX_RPS = 20;

  @IntSetting(10, 3_600_000)
  WEBHOOK_RETRY_BASE_MS = 5_000;

  @IntSetting(10, 600_000)
  WEBHOOK_WORKER_INTERVAL_MS = 1_000;

  @IntSetting(0, 10_000)
  WEBHOOK_INLINE_BUDGET_MS = 2_000;

  @IntSetting(0, 86_400_000)
  RECONCILE_INTERVAL_MS = 300_000;

  /**
   * Processed and ignored webhook events are deleted this many days after they arrived. At least 30:
   * Stripe lists and resends an event for 30 days, and catch-up must find every one it lists stored.
   */
  @IntSetting(30, 36_500)
  WEBHOOK_RETENTION_DAYS = 90;

  /** How often one instance deletes webhook events past WEBHOOK_RETENTION_DAYS; 0 turns the timer off. */
  @IntSetting(0, 86_400_000)
  WEBHOOK_RETENTION_INTERVAL_MS = 3_600_000;

  /** How often one instance takes expired credits out of balances; 0 turns the timer off. */
  @IntSetting(0, 86_400_000)
  CREDIT_EXPIRY_INTERVAL_MS = 60_000;

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })
  APP_URL = 'http://localhost:3000';

  /** Where mail goes; unset: each mail is written as an .eml file under DATA_DIR/mail. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsSmtpUrl()
  SMTP_URL?: string;

  /** The sender of every mail; its display name is the product name the mails speak of. */
  @Matches(/^([^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, {
    message: 'must be an address, with or without a display name: "Tollgate <no-reply@example.com>"',
  })
  MAIL_FROM = 'Tollgate <no-reply@localhost>';

  /** First retry delay of a mail the server did not take (doubled per attempt, at most 30 s). */
  @IntSetting(100, 30_000)
  MAIL_RETRY_BASE_MS = 1_000;

  /** How often every instance looks for mail that is due (new mail on any instance wakes it at once). */
  @IntSetting(10, 600_000)
  MAIL_WORKER_INTERVAL_MS = 1_000;

  /** After a failed attempt, a mail older than this is given up (marked failed). */
  @IntSetting(1, 7 * 24 * 60)
  MAIL_GIVE_UP_AFTER_MINUTES = 24 * 60;

  /**
   * The window overage is added up over before it goes to Stripe: one meter event per account and meter
   * per window, sent once the window has ended (and never two within one window of each other).
   */
  @IntSetting(1_000, 3_600_000)
  METER_EVENT_WINDOW_MS = 60_000;

  /** First retry delay of a meter event Stripe did not take (doubled per attempt, at most 60 s). */
  @IntSetting(100, 60_000)
  METER_EVENT_RETRY_BASE_MS = 1_000;

  /** How often every instance looks for meter events that are due. */
  @IntSetting(10, 600_000)
  METER_EVENT_WORKER_INTERVAL_MS = 1_000;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Environment) => env.ADMIN_PASSWORD !== undefined || env.ADMIN_EMAIL !== undefined)
  @Matches(/^[^@\s]+@[^@\s]+$/, { message: 'must be an email address (set with ADMIN_PASSWORD)' })
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @ValidateIf((env: Environment) => env.ADMIN_EMAIL !== undefined || env.ADMIN_PASSWORD !== undefined)
  @IsString()
  @MinLength(1, { message: 'must be set with ADMIN_EMAIL' })
  ADMIN_PASSWORD?: string;

  @IntSetting(8, 256)
  PASSWORD_MIN_LENGTH = 12;

  /** Checkout (and invitations) answer 403 `email_not_verified` until the user confirmed their address. */
  @Transform(toBoolean)
  @IsBoolean()
  REQUIRE_VERIFIED_EMAIL = false;

  @IntSetting(0, 90)
  BILLING_GRACE_DAYS = 3;

  /** Checkout Sessions take promotion codes (Stripe's `allow_promotion_codes`). */
  @Transform(toBoolean)
  @IsBoolean()
  CHECKOUT_PROMOTION_CODES = true;

  /** Stripe Tax on Checkout: tax computed from the billing address, which is required, and tax ids collected. */
  @Transform(toBoolean)
  @IsBoolean()
  STRIPE_AUTOMATIC_TAX = false;

  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  @IntSetting(0, 65535)
  EMBEDDED_DATABASE_PORT = 54329;

  @Transform(toBoolean)
  @IsBoolean()
  MIGRATE_ON_BOOT = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,}$/, {
    message: 'must be at least 16 printable ASCII characters, without spaces',
  })
  METRICS_TOKEN?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IntSetting(1024, 10 * 1024 * 1024)
  BODY_LIMIT_BYTES = 100 * 1024;

  /** Signups accepted per client IP in an hour (SPEC: 20). */
  @IntSetting(1, 1_000_000)
  SIGNUPS_PER_CLIENT_PER_HOUR = 20;

  /** Password-forgot and verification-resend requests accepted per client IP in an hour, each (SPEC: 20). */
  @IntSetting(1, 1_000_000)
  MAIL_REQUESTS_PER_CLIENT_PER_HOUR = 20;

  /** Wrong passwords checked per email in an hour, from all clients together (SPEC: 100). */
  @IntSetting(20, 100_000)
  LOGIN_FAILURES_PER_ACCOUNT = 100;

  /**
   * When `X-Forwarded-For` names the client: a hop count ("1") or a comma-separated list of trusted
   * proxy addresses or CIDRs; unset, the peer address is the client.
   */
  @IsOptional()
  @Matches(/^(\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/, {
    message: 'TRUST_PROXY must be a hop count or a comma-separated list of addresses or CIDRs',
  })
  TRUST_PROXY?: string;
}

export function loadEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const environment = plainToInstance(Environment, { ...source }, { exposeDefaultValues: true });
  const [problem] = validateSync(environment);
  if (problem) {
    const message = Object.values(problem.constraints ?? {})[0] ?? 'is invalid';
    const shown = isSecret(problem.property) ? '' : ` (got ${JSON.stringify(problem.value)})`;
    throw new ConfigurationError(
      `Invalid configuration: ${problem.property} ${stripPropertyName(message, problem.property)}${shown}`,
    );
  }
  return environment;
}

function isSecret(variable: string): boolean {
  return /SECRET|PASSWORD|KEY|TOKEN|DATABASE_URL|SMTP_URL/.test(variable);
}

function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
