import { parseDuration } from "../duration.ts";
import { SpecError } from "../errors.ts";
import type { EvaluationInput, RateQuery } from "../types.ts";
import { expectObject, expectOneOf, expectPositiveInteger, rejectUnknownKeys } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

/** The longest window: counting further back would scan too much of the decision log. */
const MAX_WINDOW_MS = 86_400_000;

/**
 * `rate: {max: 5, per: 10s, by: user}`: matches when the sender (user id, or client IP) already
 * sent `max` or more messages in the window before this one, i.e. this is message max+1 or later.
 * evaluate() stays pure: rateQueries() says what to count, the caller counts in Postgres (so the
 * limit holds across replicas) and passes the counts back in `rateCounts`.
 */
export const rate: ConditionDefinition = {
  key: "rate",
  compile(raw, path) {
    const spec = expectObject(raw, path, "a mapping {max, per, by}");
    rejectUnknownKeys(spec, ["max", "per", "by"], path);
    if (spec.max === undefined) throw new SpecError([...path, "max"], 'rate needs "max"', true);
    const max = expectPositiveInteger(spec.max, [...path, "max"]);
    const windowMs = typeof spec.per === "string" ? parseDuration(spec.per) : null;
    if (windowMs === null || windowMs > MAX_WINDOW_MS) {
      throw new SpecError([...path, "per"], 'expected a window such as "10s", "1m", "1h" (at most 1d)');
    }
    const by =
      spec.by === undefined ? "user" : expectOneOf(spec.by, ["user", "ip"] as const, [...path, "by"]);
    const per = spec.per as string;

    const queryFor = (input: Omit<EvaluationInput, "rateCounts">): RateQuery | null => {
      // The IP as sent, the form the decision log stores and the caller counts by.
      const value = by === "user" ? input.message.user?.id : input.requestInfo?.ip?.trim();
      if (!value) return null;
      return { key: `${by}:${windowMs}:${value}`, by, value, windowMs };
    };

    return {
      key: "rate",
      rateWindowMs: windowMs,
      rateQueries(input) {
        const query = queryFor(input);
        return query ? [query] : [];
      },
      test(ctx) {
        const query = queryFor(ctx.input);
        if (!query) return null;
        const earlier = ctx.input.rateCounts?.get(query.key) ?? 0;
        if (earlier < max) return null;
        return {
          key: "rate",
          detail: `${earlier} earlier messages by ${by} ${query.value} in ${per} (max ${max})`,
        };
      },
    };
  },
};
