-- AlterTable
ALTER TABLE "webhook_events" ADD COLUMN     "locked_by" INTEGER;
