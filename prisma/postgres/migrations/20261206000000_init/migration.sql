-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "idHash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("idHash")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SetupToken" (
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "SetupToken_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "reportKey" TEXT NOT NULL,
    "policyKey" TEXT NOT NULL,
    "settings" TEXT NOT NULL DEFAULT '{}',
    "builtin" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ViolationGroup" (
    "id" SERIAL NOT NULL,
    "projectId" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "directive" TEXT NOT NULL,
    "blocked" TEXT NOT NULL,
    "noise" TEXT NOT NULL DEFAULT '',
    "count" BIGINT NOT NULL DEFAULT 0,
    "firstSeen" BIGINT NOT NULL,
    "lastSeen" BIGINT NOT NULL,
    "pages" TEXT NOT NULL DEFAULT '[]',
    "browsers" TEXT NOT NULL DEFAULT '[]',
    "sampleSeq" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ViolationGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GroupHour" (
    "projectId" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "groupId" INTEGER NOT NULL,
    "disposition" TEXT NOT NULL,
    "policyVersion" INTEGER NOT NULL,
    "env" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "GroupHour_pkey" PRIMARY KEY ("projectId","hour","groupId","disposition","policyVersion","env")
);

-- CreateTable
CREATE TABLE "DirectiveHour" (
    "projectId" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "directive" TEXT NOT NULL,
    "noise" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "DirectiveHour_pkey" PRIMARY KEY ("projectId","hour","directive","noise")
);

-- CreateTable
CREATE TABLE "GroupRunning" (
    "groupId" INTEGER NOT NULL,
    "hour" INTEGER NOT NULL,
    "total" BIGINT NOT NULL,

    CONSTRAINT "GroupRunning_pkey" PRIMARY KEY ("groupId","hour")
);

-- CreateTable
CREATE TABLE "Sample" (
    "groupId" INTEGER NOT NULL,
    "slot" INTEGER NOT NULL,
    "receivedAt" BIGINT NOT NULL,
    "documentUrl" TEXT NOT NULL,
    "blockedUrl" TEXT NOT NULL,
    "sourceFile" TEXT NOT NULL,
    "line" INTEGER,
    "column" INTEGER,
    "sample" TEXT NOT NULL,
    "statusCode" INTEGER,
    "browser" TEXT NOT NULL,
    "disposition" TEXT NOT NULL,
    "policyVersion" INTEGER,
    "env" TEXT NOT NULL,

    CONSTRAINT "Sample_pkey" PRIMARY KEY ("groupId","slot")
);

-- CreateTable
CREATE TABLE "ProjectHour" (
    "projectId" TEXT NOT NULL,
    "hour" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "ProjectHour_pkey" PRIMARY KEY ("projectId","hour","kind")
);

-- CreateTable
CREATE TABLE "PolicyVersion" (
    "id" SERIAL NOT NULL,
    "projectId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "policy" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "notes" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PolicyVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE UNIQUE INDEX "Project_reportKey_key" ON "Project"("reportKey");

-- CreateIndex
CREATE UNIQUE INDEX "Project_policyKey_key" ON "Project"("policyKey");

-- CreateIndex
CREATE INDEX "ViolationGroup_projectId_lastSeen_idx" ON "ViolationGroup"("projectId", "lastSeen");

-- CreateIndex
CREATE UNIQUE INDEX "ViolationGroup_projectId_fingerprint_key" ON "ViolationGroup"("projectId", "fingerprint");

-- CreateIndex
CREATE INDEX "GroupHour_groupId_hour_idx" ON "GroupHour"("groupId", "hour");

-- CreateIndex
CREATE INDEX "GroupHour_projectId_hour_groupId_count_idx" ON "GroupHour"("projectId", "hour", "groupId", "count");

-- CreateIndex
CREATE INDEX "Sample_groupId_receivedAt_slot_idx" ON "Sample"("groupId", "receivedAt", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "PolicyVersion_projectId_version_key" ON "PolicyVersion"("projectId", "version");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

