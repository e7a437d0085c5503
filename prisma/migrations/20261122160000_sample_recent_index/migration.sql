-- CreateIndex
CREATE INDEX "Sample_groupId_receivedAt_slot_idx" ON "Sample"("groupId", "receivedAt", "slot");
