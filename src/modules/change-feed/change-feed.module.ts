import { Global, Module } from '@nestjs/common';

import { ChangeFeed } from './change-feed.service';

/** Global like configuration and the database: every module that changes or caches state uses it. */
@Global()
@Module({ providers: [ChangeFeed], exports: [ChangeFeed] })
export class ChangeFeedModule {}
