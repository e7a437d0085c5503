// HttpError carries no stack trace (#17: capturing one was 7 % of Cinch's busy time when it sheds at 3 × its
// maximum rate), and leaves the stack traces of every other error as they were.
import { expect, test } from "vitest";
import { FieldError, HttpError, tooManyRequests } from "../../server/http/errors.ts";

test("an HttpError has its status, id, message and headers but no stack frames", () => {
  const err = tooManyRequests(2.5, "too many reports for this project");
  expect(err).toBeInstanceOf(HttpError);
  expect(err).toMatchObject({
    status: 429,
    id: "rate_limited",
    message: "too many reports for this project",
    headers: { "Retry-After": "3" },
  });
  expect(err.stack).toBe("Error: too many reports for this project");
  expect(new FieldError("bad", "no", "settings.x").stack).not.toContain("\n    at ");
});

test("other errors keep their stack traces, also after an HttpError", () => {
  const before = Error.stackTraceLimit;
  new HttpError(400, "bad", "bad");
  expect(Error.stackTraceLimit).toBe(before);
  expect(new Error("boom").stack).toContain("\n    at ");
});
