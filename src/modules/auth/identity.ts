import type { Role } from '../../generated/prisma/client';

export type { Role };

/** Who is calling: what the guards put on the request. */
export interface AuthenticatedUser {
  id: string;
  email: string;
  role: Role;
}
