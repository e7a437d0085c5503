-- CreateTable
CREATE TABLE "DirectiveHour" (
    "projectId" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "directive" TEXT NOT NULL,
    "noise" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    PRIMARY KEY ("projectId", "hour", "directive", "noise")
);

-- CreateTable
CREATE TABLE "GroupRunning" (
    "groupId" INTEGER NOT NULL,
    "hour" INTEGER NOT NULL,
    "total" BIGINT NOT NULL,

    PRIMARY KEY ("groupId", "hour")
);

-- Backfill from the existing hourly rows (the writer keeps both up to date from now on).
INSERT INTO "DirectiveHour" ("projectId", "hour", "directive", "noise", "count")
SELECT h."projectId", h."hour", g."directive", g."noise", SUM(h."count")
FROM "GroupHour" h JOIN "ViolationGroup" g ON g."id" = h."groupId"
GROUP BY h."projectId", h."hour", g."directive", g."noise";

INSERT INTO "GroupRunning" ("groupId", "hour", "total")
SELECT "groupId", "hour", SUM(SUM("count")) OVER (PARTITION BY "groupId" ORDER BY "hour")
FROM "GroupHour"
GROUP BY "groupId", "hour";
