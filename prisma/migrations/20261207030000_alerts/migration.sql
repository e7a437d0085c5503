-- Alerts (#14): channels, rules, the outbox (events, deliveries with leases), group triage and its history, and
-- the bounded digest of observed original-policy texts.
-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL DEFAULT '',
    "to" TEXT NOT NULL DEFAULT '[]',
    "secret" TEXT NOT NULL DEFAULT '',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "channels" TEXT NOT NULL DEFAULT '[]',
    "minCount" INTEGER NOT NULL DEFAULT 1,
    "quietMinutes" INTEGER NOT NULL DEFAULT 60,
    "params" TEXT NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastFiredAt" BIGINT
);

-- CreateTable
CREATE TABLE "AlertFired" (
    "ruleId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "firedAt" BIGINT NOT NULL,

    PRIMARY KEY ("ruleId", "key")
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "ruleId" TEXT,
    "kind" TEXT NOT NULL,
    "groupId" INTEGER,
    "title" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "eventId" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "channelId" TEXT,
    "channelName" TEXT NOT NULL,
    "channelKind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" BIGINT NOT NULL,
    "leaseOwner" TEXT NOT NULL DEFAULT '',
    "leaseUntil" BIGINT NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "responseCode" INTEGER,
    "createdAt" BIGINT NOT NULL,
    "deliveredAt" BIGINT
);

-- CreateTable
CREATE TABLE "GroupTriage" (
    "groupId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "projectId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "by" TEXT NOT NULL,
    "at" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "GroupTriageChange" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "groupId" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "by" TEXT NOT NULL,
    "at" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "ObservedPolicy" (
    "projectId" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "documentUrl" TEXT NOT NULL,
    "count" BIGINT NOT NULL,
    "firstSeen" BIGINT NOT NULL,
    "lastSeen" BIGINT NOT NULL,

    PRIMARY KEY ("projectId", "hash")
);

-- CreateIndex
CREATE INDEX "AlertRule_projectId_idx" ON "AlertRule"("projectId");

-- CreateIndex
CREATE INDEX "AlertEvent_projectId_createdAt_idx" ON "AlertEvent"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "AlertEvent_groupId_createdAt_idx" ON "AlertEvent"("groupId", "createdAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_status_nextAttemptAt_idx" ON "AlertDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_projectId_createdAt_idx" ON "AlertDelivery"("projectId", "createdAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_eventId_idx" ON "AlertDelivery"("eventId");

-- CreateIndex
CREATE INDEX "GroupTriage_projectId_state_idx" ON "GroupTriage"("projectId", "state");

-- CreateIndex
CREATE INDEX "GroupTriageChange_groupId_at_idx" ON "GroupTriageChange"("groupId", "at");

