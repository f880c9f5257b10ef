-- DropTable
DROP TABLE "login_failures";

-- CreateTable
CREATE TABLE "request_throttles" (
    "key" VARCHAR(400) NOT NULL,
    "window_started_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL,

    CONSTRAINT "request_throttles_pkey" PRIMARY KEY ("key")
);
