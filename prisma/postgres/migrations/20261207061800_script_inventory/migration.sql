-- The script inventory (#18): scripts, their hashes, pages, hours, change log and accepted URL patterns.
-- CreateTable
CREATE TABLE "Script" (
    "id" SERIAL NOT NULL,
    "projectId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'new',
    "firstSeen" BIGINT NOT NULL,
    "lastSeen" BIGINT NOT NULL,
    "reports" BIGINT NOT NULL DEFAULT 0,
    "noSriFirstSeen" BIGINT,
    "noSriLastSeen" BIGINT,
    "reviewStatus" TEXT,
    "justification" TEXT NOT NULL DEFAULT '',
    "reviewedBy" TEXT,
    "reviewedAt" BIGINT,
    "goneAt" BIGINT,

    CONSTRAINT "Script_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScriptHash" (
    "scriptId" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "firstSeen" BIGINT NOT NULL,
    "lastSeen" BIGINT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "ScriptHash_pkey" PRIMARY KEY ("scriptId","hash")
);

-- CreateTable
CREATE TABLE "ScriptPage" (
    "scriptId" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "firstSeen" BIGINT NOT NULL,
    "lastSeen" BIGINT NOT NULL,
    "payment" INTEGER NOT NULL DEFAULT 0,
    "noSriEventAt" BIGINT,

    CONSTRAINT "ScriptPage_pkey" PRIMARY KEY ("scriptId","url")
);

-- CreateTable
CREATE TABLE "ScriptHour" (
    "projectId" TEXT NOT NULL,
    "scriptId" INTEGER NOT NULL,
    "hour" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "ScriptHour_pkey" PRIMARY KEY ("scriptId","hour")
);

-- CreateTable
CREATE TABLE "ScriptEvent" (
    "id" SERIAL NOT NULL,
    "projectId" TEXT NOT NULL,
    "scriptId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "at" BIGINT NOT NULL,
    "detail" TEXT NOT NULL DEFAULT '',
    "actor" TEXT,

    CONSTRAINT "ScriptEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScriptPattern" (
    "id" SERIAL NOT NULL,
    "projectId" TEXT NOT NULL,
    "pattern" TEXT NOT NULL,
    "float" BOOLEAN NOT NULL DEFAULT false,
    "acceptedBy" TEXT NOT NULL,
    "acceptedAt" BIGINT NOT NULL,

    CONSTRAINT "ScriptPattern_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Script_projectId_lastSeen_idx" ON "Script"("projectId", "lastSeen");

-- CreateIndex
CREATE UNIQUE INDEX "Script_projectId_url_key" ON "Script"("projectId", "url");

-- CreateIndex
CREATE INDEX "ScriptHour_projectId_hour_idx" ON "ScriptHour"("projectId", "hour");

-- CreateIndex
CREATE INDEX "ScriptEvent_projectId_at_idx" ON "ScriptEvent"("projectId", "at");

-- CreateIndex
CREATE INDEX "ScriptEvent_scriptId_at_idx" ON "ScriptEvent"("scriptId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "ScriptPattern_projectId_pattern_key" ON "ScriptPattern"("projectId", "pattern");

