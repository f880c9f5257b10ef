export const PASSWORD_MAX_LENGTH = 256;
/** A shorter local part ("al", "x") is a common substring, so refusing it would refuse good passwords. */
export const EMAIL_LOCAL_PART_MIN_LENGTH = 3;

export type PasswordRule = 'too_short' | 'too_long' | 'breached' | 'contains_email';

export interface PasswordWeakness {
  rule: PasswordRule;
  /** Says which rule failed, never the password. */
  detail: string;
}

export interface PasswordPolicyOptions {
  minLength: number;
  /** Lower-cased. */
  breached: ReadonlySet<string>;
}

/** Why `password` may not be set for the account of `email`, or null when it may. */
export function passwordWeakness(
  password: string,
  email: string,
  { minLength, breached }: PasswordPolicyOptions,
): PasswordWeakness | null {
  // Characters as people count them: an emoji is one, not two UTF-16 units.
  const length = [...password].length;
  if (length < minLength) {
    return { rule: 'too_short', detail: `The password must be at least ${minLength} characters long.` };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return {
      rule: 'too_long',
      detail: `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`,
    };
  }
  const lowered = password.toLowerCase();
  if (breached.has(lowered)) {
    return {
      rule: 'breached',
      detail: 'The password is among well-known breached passwords; choose another.',
    };
  }
  const localPart = emailLocalPart(email);
  if (localPart.length >= EMAIL_LOCAL_PART_MIN_LENGTH && lowered.includes(localPart)) {
    return {
      rule: 'contains_email',
      detail: 'The password must not contain the part of your email address before the @.',
    };
  }
  return null;
}

function emailLocalPart(email: string): string {
  const at = email.lastIndexOf('@');
  return (at === -1 ? email : email.slice(0, at)).toLowerCase();
}
