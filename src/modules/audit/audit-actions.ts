/** Every action the security log records (`audit_events.action`); README's "Security audit log" lists them. */
export const AUDIT_ACTIONS = [
  'login.succeeded',
  'login.failed',
  'login.throttled',
  'signup',
  'api_key.created',
  'api_key.revoked',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
  'admin.write',
  'session.ended',
  'email.verified',
  'email.change_requested',
  'email.changed',
  'password.reset_requested',
  'password.reset',
  'password.changed',
  'user.deleted',
  'account.created',
  'member.role_changed',
  'member.removed',
  'member.invited',
  'member.joined',
  'invitation.revoked',
  'duplicate_subscription_canceled',
  'credits.granted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Non-secret extras: never a password, token or key. */
export type AuditDetails = Record<string, string | number | boolean | null | string[]>;
