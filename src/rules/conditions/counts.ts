import { SpecError } from "../errors.ts";
import { countWork } from "../text/work.ts";
import { expectNonNegativeInteger, expectObject, isPlainObject, rejectUnknownKeys } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

export const mentionsOver: ConditionDefinition = {
  key: "mentions_over",
  compile(raw, path) {
    const limit = expectNonNegativeInteger(raw, path);
    return {
      key: "mentions_over",
      test(ctx) {
        const count = ctx.input.message.mentioned_users?.length ?? 0;
        return count > limit ? { key: "mentions_over", detail: `${count} mentions > ${limit}` } : null;
      },
    };
  },
};

export const attachmentsOver: ConditionDefinition = {
  key: "attachments_over",
  compile(raw, path) {
    const limit = expectNonNegativeInteger(raw, path);
    return {
      key: "attachments_over",
      test(ctx) {
        const count = ctx.input.message.attachments?.length ?? 0;
        return count > limit ? { key: "attachments_over", detail: `${count} attachments > ${limit}` } : null;
      },
    };
  },
};

/** Letters counted before a caps ratio means anything ("OK", "LOL" are not shouting). */
export const DEFAULT_CAPS_MIN_LENGTH = 10;

/**
 * `caps_ratio_over: 0.7` or `{ratio: 0.7, min_length: 20}`: the share of upper-case letters
 * among the letters of the text exceeds `ratio`, counted only when the text has at least
 * `min_length` letters (cased letters only: scripts without case never count as shouting).
 */
export const capsRatioOver: ConditionDefinition = {
  key: "caps_ratio_over",
  compile(raw, path) {
    let ratio: unknown = raw;
    let minLength = DEFAULT_CAPS_MIN_LENGTH;
    if (isPlainObject(raw)) {
      const obj = expectObject(raw, path);
      rejectUnknownKeys(obj, ["ratio", "min_length"], path);
      ratio = obj.ratio;
      if (obj.min_length !== undefined)
        minLength = expectNonNegativeInteger(obj.min_length, [...path, "min_length"]);
    }
    if (typeof ratio !== "number" || !(ratio >= 0 && ratio < 1)) {
      const at = isPlainObject(raw) ? [...path, "ratio"] : path;
      throw new SpecError(at, "expected a ratio from 0 to 1 (exclusive), e.g. 0.7");
    }
    const threshold = ratio;
    return {
      key: "caps_ratio_over",
      test(ctx) {
        const text = ctx.input.message.text;
        if (!text) return null;
        // Counted like the other text work: it tells the evaluator this rule read the text.
        countWork(text.length);
        let upper = 0;
        let cased = 0;
        for (const char of text) {
          const lower = char.toLowerCase();
          const upperForm = char.toUpperCase();
          if (lower === upperForm) continue; // not a cased letter
          cased++;
          if (char !== lower) upper++;
        }
        if (cased < minLength || cased === 0) return null;
        const share = upper / cased;
        if (share <= threshold) return null;
        return {
          key: "caps_ratio_over",
          detail: `${upper}/${cased} letters upper case (${share.toFixed(2)} > ${threshold})`,
        };
      },
    };
  },
};
