// Admin emails: one rule for the sign-in and setup API, the `cinch user` commands and CINCH_ADMIN_EMAIL.
import { z } from "zod";

/** Emails compare case-insensitively: "Admin@Example.com" and "admin@example.com" are one account. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** One @, a local part of at most 64 characters and a domain of at most 189 (254 in all; RFC 5321 §4.5.3.1). */
const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]{1,189}$/;

/** An email address as typed: trimmed, at most 254 characters, one @. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, "must be at most 254 characters")
  .regex(EMAIL_RE, "must be an email address");
