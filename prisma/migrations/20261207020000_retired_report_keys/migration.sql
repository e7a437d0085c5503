-- CreateTable
CREATE TABLE "RetiredReportKey" (
    "reportKey" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "retiredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "RetiredReportKey_projectId_idx" ON "RetiredReportKey"("projectId");

