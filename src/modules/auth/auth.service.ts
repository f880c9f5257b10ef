import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { AppConfig } from '../../config/app-config';
import { DomainError } from '../../common/errors/domain-error';
import type { RequestOrigin } from '../../common/http/request-origin';
import { User } from '../../generated/prisma/client';
import { AuditLog } from '../audit/audit-log.service';
import { SessionsService, StartedSession } from '../sessions/sessions.service';
import { PasswordHasher } from '../users/password-hasher';
import { PasswordPolicy } from '../users/password-policy.service';
import { toUserDto, UsersService } from '../users/users.service';
import { AccessTokenPayload } from './access-token';
import { AuthResponseDto, LoginDto, SignupDto, TokensDto } from './auth.dto';
import { CredentialsService } from './credentials.service';
import { LoginThrottleService, PasswordCheck } from './login-throttle.service';

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
    private readonly credentials: CredentialsService,
    private readonly audit: AuditLog,
  ) {}

  async signup(input: SignupDto, origin: RequestOrigin): Promise<AuthResponseDto> {
    await this.throttle.perClient('signup', origin.ip);
    this.passwordPolicy.assertAcceptable(input.password, input.email);
    const passwordHash = await this.hasher.hash(input.password);
    const user = await this.credentials.register({ email: input.email, name: input.name, passwordHash });
    if (!user) throw new DomainError('email_taken', 'An account with this email already exists.');
    await this.audit.record('signup', { actorId: user.id, subjectId: user.id, origin });
    return this.signIn(user, origin);
  }

  async login(input: LoginDto, origin: RequestOrigin): Promise<AuthResponseDto> {
    const check = await this.reserveCheck(input.email, origin);
    const user = await this.users.findByEmail(input.email);
    const valid = user
      ? await this.hasher.verify(user.passwordHash, input.password)
      : await this.verifyDecoy(input.password);
    // Whoever failed is not known: the attempt concerns the account, it is not the account's doing.
    if (!user || !valid) {
      await this.audit.record('login.failed', {
        subjectId: user?.id,
        origin,
        details: { email: input.email, reason: 'invalid_credentials' },
      });
      throw new DomainError('invalid_credentials', 'Email or password is wrong.');
    }
    await this.throttle.succeeded(check);
    if (user.disabledAt) {
      await this.audit.record('login.failed', {
        subjectId: user.id,
        origin,
        details: { email: input.email, reason: 'account_disabled' },
      });
      throw new DomainError('account_disabled', 'An admin disabled this account.');
    }
    await this.audit.record('login.succeeded', { actorId: user.id, subjectId: user.id, origin });
    return this.signIn(user, origin);
  }

  /** The next access and refresh tokens of a live session (see `SessionsService.refresh`). */
  async refresh(refreshToken: string, origin: RequestOrigin): Promise<TokensDto> {
    const session = await this.sessions.refresh(refreshToken, origin);
    return this.tokens(session.userId, session);
  }

  private async reserveCheck(email: string, origin: RequestOrigin): Promise<PasswordCheck> {
    try {
      return await this.throttle.reserve(email, origin.ip);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'too_many_attempts') {
        const user = await this.users.findByEmail(email);
        await this.audit.record('login.throttled', { subjectId: user?.id, origin, details: { email } });
      }
      throw error;
    }
  }

  private async verifyDecoy(password: string): Promise<false> {
    this.decoyHash ??= this.hasher.hash('decoy-password-for-unknown-emails');
    await this.hasher.verify(await this.decoyHash, password);
    return false;
  }

  private async signIn(user: User, origin: RequestOrigin): Promise<AuthResponseDto> {
    const session = await this.sessions.start(user.id, origin);
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
