import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import { User } from '../../generated/prisma/client';
import type { ClientInfo } from '../sessions/sessions.repository';
import { sessionEnded, SessionsService, StartedSession } from '../sessions/sessions.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy.service';
import { toUserDto, UsersService } from '../users/users.service';
import { AccessTokenPayload } from './access-token';
import { AuthResponseDto, LoginDto, SignupDto, TokensDto } from './auth.dto';
import { LoginThrottleService } from './login-throttle.service';

@Injectable()
export class AuthService {
  // Verified when the email is unknown, so that a miss costs as much time as a wrong password.
  private decoyHash?: Promise<string>;

  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly passwordPolicy: PasswordPolicy,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottleService,
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {}

  async signup(input: SignupDto, client: ClientInfo): Promise<AuthResponseDto> {
    await this.throttle.signup(client.ip ?? '');
    this.passwordPolicy.assertAcceptable(input.password, input.email);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.users.register({ email: input.email, name: input.name, passwordHash });
    if (!user) throw new DomainError('email_taken', 'An account with this email already exists.');
    return this.signIn(user, client);
  }

  async login(input: LoginDto, client: ClientInfo): Promise<AuthResponseDto> {
    const check = await this.throttle.reserve(input.email, client.ip ?? '');
    const user = await this.users.findByEmail(input.email);
    const valid = user
      ? await this.hasher.verify(user.passwordHash, input.password)
      : await this.verifyDecoy(input.password);
    if (!user || !valid) throw new DomainError('invalid_credentials', 'Email or password is wrong.');
    await this.throttle.succeeded(check);
    if (user.disabledAt) throw new DomainError('account_disabled', 'An admin disabled this account.');
    return this.signIn(user, client);
  }

  /** The next access and refresh tokens of a live session (see `SessionsService.refresh`). */
  async refresh(refreshToken: string, client: ClientInfo): Promise<TokensDto> {
    const session = await this.sessions.refresh(refreshToken, client);
    const user = await this.users.identity(session.userId);
    if (!user || user.disabledAt) throw sessionEnded();
    return this.tokens(session.userId, session);
  }

  /**
   * The signed-in user proves it is them before a sensitive change (new password, deletion): throttled
   * like a login. 403 `wrong_password` when it is not their password.
   */
  async confirmPassword(userId: string, password: string, client: ClientInfo): Promise<void> {
    const user = await this.users.findWithPassword(userId);
    if (!user) throw sessionEnded();
    const check = await this.throttle.reserve(user.email, client.ip ?? '');
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      throw new DomainError('wrong_password', 'That is not your current password.');
    }
    await this.throttle.succeeded(check);
  }

  private async verifyDecoy(password: string): Promise<false> {
    this.decoyHash ??= this.hasher.hash('decoy-password-for-unknown-emails');
    await this.hasher.verify(await this.decoyHash, password);
    return false;
  }

  private async signIn(user: User, client: ClientInfo): Promise<AuthResponseDto> {
    const session = await this.sessions.start(user.id, client);
    return { user: toUserDto(user), ...(await this.tokens(user.id, session)) };
  }

  private async tokens(userId: string, session: StartedSession): Promise<TokensDto> {
    const payload: AccessTokenPayload = { sub: userId, sid: session.sessionId };
    return {
      accessToken: await this.jwt.signAsync(payload),
      refreshToken: session.refreshToken,
      expiresIn: this.config.env.ACCESS_TOKEN_TTL,
    };
  }
}
