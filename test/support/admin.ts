import { randomUUID } from 'node:crypto';
import request from 'supertest';

import { uniqueEmail } from './accounts';

export interface AdminCredentials {
  ADMIN_EMAIL: string;
  ADMIN_PASSWORD: string;
}

/** Environment that makes the booted server create an admin account. */
export function adminEnvironment(): AdminCredentials {
  return { ADMIN_EMAIL: uniqueEmail('admin'), ADMIN_PASSWORD: `admin-${randomUUID()}` };
}

export async function adminHeaders(
  baseUrl: string,
  admin: AdminCredentials,
): Promise<Record<string, string>> {
  const response = await request(baseUrl)
    .post('/v1/auth/login')
    .send({ email: admin.ADMIN_EMAIL, password: admin.ADMIN_PASSWORD })
    .expect(200);
  return { authorization: `Bearer ${(response.body as { accessToken: string }).accessToken}` };
}

export function uniquePlanKey(label = 'plan'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}
