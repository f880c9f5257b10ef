import { Header } from '@nestjs/common';

/** For answers that carry a token, a key or personal data: no cache, shared or private, may keep them. */
export const NoStore = () => Header('Cache-Control', 'no-store');
