-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "scopes" VARCHAR(16)[] DEFAULT ARRAY['read', 'write', 'billing']::VARCHAR(16)[];
