import { Role } from './identity';

export interface AccessTokenPayload {
  sub: string;
  email: string;
  role: Role;
}

export const JWT_ISSUER = 'tollgate';
export const JWT_ALGORITHM = 'HS256';
