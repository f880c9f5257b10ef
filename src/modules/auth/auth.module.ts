import { Module } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';

import { AppConfig } from '../../config/app-config';
import { AccountsModule } from '../accounts/accounts.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MailModule } from '../mail/mail.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { JWT_ALGORITHM, JWT_ISSUER } from './access-token';
import { ApiKeyScopeGuard } from './api-key-scope.guard';
import { ApiKeyStrategy } from './api-key.strategy';
import { AuthController } from './auth.controller';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';
import { AuthService } from './auth.service';
import { AuthenticationGuard } from './authentication.guard';
import { IdentityCache } from './identity-cache.service';
import { JwtStrategy } from './jwt.strategy';
import { ThrottleRepository } from './throttle.repository';
import { LoginThrottleService } from './login-throttle.service';
import { RolesGuard } from './roles.guard';
import { VerifiedTokens } from './verified-tokens';

/** Alone provides authentication: who is asking, for every route not marked `@Public()`. */
@Module({
  imports: [
    UsersModule,
    AccountsModule,
    ApiKeysModule,
    SessionsModule,
    AuditModule,
    MailModule,
    PassportModule,
    ThrottlerModule.forRoot([{ name: 'default', ttl: 60_000, limit: 120 }]),
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // A KeyObject: given a string, jsonwebtoken first tries it as a PEM public key, which throws
        // and costs more than the rest of the request.
        secret: createSecretKey(Buffer.from(config.jwtSecret)) as unknown as string,
        signOptions: { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, expiresIn: config.env.ACCESS_TOKEN_TTL },
      }),
    }),
  ],
  controllers: [AuthController, CredentialsController],
  providers: [
    AuthService,
    CredentialsService,
    ThrottleRepository,
    LoginThrottleService,
    VerifiedTokens,
    IdentityCache,
    JwtStrategy,
    ApiKeyStrategy,
    // Global guards run in the order they are registered: who is asking, what their key's scopes and
    // their role allow.
    // The PaymentGuard (PaywallModule, imported after this one) runs third.
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: ApiKeyScopeGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [CredentialsService],
})
export class AuthModule {}
