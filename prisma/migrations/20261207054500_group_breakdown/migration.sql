-- Per-group counts by page and by browser per UTC day, bounded to the day's first 20 pages / 12 browsers + "other" (#16).
-- CreateTable
CREATE TABLE "GroupBreakdown" (
    "projectId" TEXT NOT NULL,
    "groupId" INTEGER NOT NULL,
    "day" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("groupId", "day", "kind", "value")
);

-- CreateIndex
CREATE INDEX "GroupBreakdown_projectId_day_idx" ON "GroupBreakdown"("projectId", "day");

