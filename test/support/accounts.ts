import { randomUUID } from 'node:crypto';
import request from 'supertest';

export interface TestAccount {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.test`;
}

export async function signUp(baseUrl: string, label = 'user'): Promise<TestAccount> {
  const email = uniqueEmail(label);
  const password = 'correct horse battery staple';
  const response = await request(baseUrl).post('/v1/auth/signup').send({ email, password }).expect(201);
  const body = response.body as { user: { id: string }; accessToken: string; refreshToken: string };
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
  };
}

export function bearer(account: { accessToken: string }): Record<string, string> {
  return { authorization: `Bearer ${account.accessToken}` };
}
