-- The per-account lockout lives in memory (server/http/bruteforce.ts); these two columns were never read or written.
-- Not `prisma migrate diff`'s table redefinition: migrations run in a transaction with foreign_keys=ON, where
-- PRAGMA foreign_keys=OFF is a no-op and DROP TABLE "User" would cascade to every Session. SQLite >= 3.35 drops
-- an unindexed column in place.
ALTER TABLE "User" DROP COLUMN "failedLogins";
ALTER TABLE "User" DROP COLUMN "lockedUntil";
