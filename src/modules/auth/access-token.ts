/** What an access token says: who (`sub`) and in which session (`sid`); never what they may do. */
export interface AccessTokenPayload {
  sub: string;
  sid: string;
}

export const JWT_ISSUER = 'tollgate';
export const JWT_ALGORITHM = 'HS256';
