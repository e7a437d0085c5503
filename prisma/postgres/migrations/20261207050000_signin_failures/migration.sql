-- Failed sign-ins per account, in the database so every node counts the same guesses (#13).
-- CreateTable
CREATE TABLE "SigninFailure" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "lockedUntil" BIGINT NOT NULL,
    "last" BIGINT NOT NULL,

    CONSTRAINT "SigninFailure_pkey" PRIMARY KEY ("key")
);
