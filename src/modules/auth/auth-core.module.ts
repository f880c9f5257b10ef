import { Global, Module } from '@nestjs/common';

import { VerifiedTokens } from './verified-tokens';

/** What every guarded module needs from authentication, available everywhere. */
@Global()
@Module({ providers: [VerifiedTokens], exports: [VerifiedTokens] })
export class AuthCoreModule {}
