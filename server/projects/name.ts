// A project's name: one rule for the API and `cinch project create`.
import { z } from "zod";

/** 1–100 characters once trimmed (a name labels the dashboard's lists and the CLI's output). */
export const projectNameSchema = z.string().trim().min(1).max(100);
