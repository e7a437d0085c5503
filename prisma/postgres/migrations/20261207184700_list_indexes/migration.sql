-- PostgreSQL only: two indexes the dashboard's 24 h list reads (#13). Prisma's schema cannot say either (a partial
-- index, an INCLUDE column), so prisma/schema.prisma keeps its plain @@index([groupId, hour]) and the SQLite
-- migrations have neither. Measured on the 10 M-report bench dataset (bench/README.md, fourth pass):
-- * The list leaves the noise groups out of the window's sums by id (group-list.ts leanList). Finding them was a
--   scan of every ViolationGroup row of the project (1,178 pages, 20,000 rows, ~5 ms); this index holds only the
--   noise groups (2,000 entries, 19 pages). The list statement 41 -> 35 ms median.
CREATE INDEX "ViolationGroup_projectId_noise_idx" ON "ViolationGroup" ("projectId", "id") WHERE "noise" <> '';

-- * The page's trends read their groups' GroupHour rows by (groupId, hour): with the count in the index they are
--   an index-only scan (312 instead of 1,319 pages; 8.1 -> 5.9 ms median). Same name and keys as the schema's
--   index; updates of GroupHour already insert an entry into this index (count is in the covering index, so they
--   are never heap-only), so the writer adds nothing but 4 bytes an entry.
DROP INDEX "GroupHour_groupId_hour_idx";
CREATE INDEX "GroupHour_groupId_hour_idx" ON "GroupHour" ("groupId", "hour") INCLUDE ("count");
