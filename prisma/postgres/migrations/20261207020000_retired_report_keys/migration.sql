-- CreateTable
CREATE TABLE "RetiredReportKey" (
    "reportKey" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "retiredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RetiredReportKey_pkey" PRIMARY KEY ("reportKey")
);

-- CreateIndex
CREATE INDEX "RetiredReportKey_projectId_idx" ON "RetiredReportKey"("projectId");

