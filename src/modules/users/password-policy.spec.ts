import { PASSWORD_MAX_LENGTH, passwordWeakness } from './password-policy';

const breached = new Set(['password1234', '123456789012']);
const options = { minLength: 12, breached };
const email = 'ada.lovelace@example.com';

function ruleFor(password: string, forEmail = email): string | null {
  return passwordWeakness(password, forEmail, options)?.rule ?? null;
}

describe('passwordWeakness', () => {
  it('accepts a long password that is neither breached nor the email', () => {
    expect(passwordWeakness('correct horse battery staple', email, options)).toBeNull();
  });

  it('refuses fewer than minLength characters, accepts exactly minLength', () => {
    expect(ruleFor('a'.repeat(11))).toBe('too_short');
    expect(ruleFor('a'.repeat(12))).toBeNull();
    expect(passwordWeakness('short', email, { ...options, minLength: 16 })?.detail).toBe(
      'The password must be at least 16 characters long.',
    );
  });

  it('counts characters, not UTF-16 units', () => {
    expect(ruleFor('🔑'.repeat(11))).toBe('too_short');
    expect(ruleFor('🔑'.repeat(PASSWORD_MAX_LENGTH))).toBeNull();
  });

  it('refuses more than 256 characters', () => {
    expect(ruleFor('a'.repeat(PASSWORD_MAX_LENGTH))).toBeNull();
    expect(ruleFor('a'.repeat(PASSWORD_MAX_LENGTH + 1))).toBe('too_long');
  });

  it('refuses a breached password in any case', () => {
    expect(ruleFor('password1234')).toBe('breached');
    expect(ruleFor('PassWord1234')).toBe('breached');
    expect(ruleFor('123456789012')).toBe('breached');
  });

  it("refuses the email's local part anywhere in the password, in any case", () => {
    expect(ruleFor('my-Ada.Lovelace-secret')).toBe('contains_email');
    expect(ruleFor('ada.lovelace@example.com')).toBe('contains_email');
    expect(ruleFor('ada lovelace is my hero')).toBeNull();
  });

  it('ignores local parts shorter than 3 characters', () => {
    expect(ruleFor('a quite long alpaca', 'al@example.com')).toBeNull();
    expect(ruleFor('a quite long alpaca', 'alp@example.com')).toBe('contains_email');
  });

  it('never echoes the password in its detail', () => {
    const password = 'password1234';
    expect(passwordWeakness(password, email, options)?.detail).not.toContain(password);
    expect(passwordWeakness('xx-ada.lovelace-xx', email, options)?.detail).not.toContain('ada.lovelace');
  });
});
