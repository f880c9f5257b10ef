import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';

import { ApiKeysService } from '../api-keys/api-keys.service';
import { ACCOUNT_HEADER } from './acting-account';
import { AuthenticatedUser } from './identity';

export const API_KEY_HEADER = 'x-api-key';

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(private readonly apiKeys: ApiKeysService) {
    super();
  }

  async validate(request: FastifyRequest): Promise<AuthenticatedUser | false> {
    const key = request.headers[API_KEY_HEADER];
    if (typeof key !== 'string' || key.length === 0) return false;
    return (await this.apiKeys.authenticate(key, request.headers[ACCOUNT_HEADER])) ?? false;
  }
}
