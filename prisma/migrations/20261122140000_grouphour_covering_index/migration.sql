-- CreateIndex
CREATE INDEX "GroupHour_projectId_hour_groupId_count_idx" ON "GroupHour"("projectId", "hour", "groupId", "count");
