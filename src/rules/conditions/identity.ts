import { SpecError } from "../errors.ts";
import type { EvaluationInput } from "../types.ts";
import { expectObject, expectStringList } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

/** A condition that holds when one field of the input equals one of the listed values. */
function valueIn(
  key: string,
  label: string,
  read: (input: EvaluationInput) => string | null | undefined,
): ConditionDefinition {
  return {
    key,
    compile(raw, path) {
      const values = new Set(expectStringList(raw, path));
      return {
        key,
        test(ctx) {
          const value = read(ctx.input);
          if (value === undefined || value === null || !values.has(value)) return null;
          return { key, detail: `${label} '${value}'` };
        },
      };
    },
  };
}

export const userIdIn = valueIn("user_id_in", "user id", (input) => input.message.user?.id);
export const userRoleIn = valueIn("user_role_in", "user role", (input) => input.message.user?.role);
export const cidIn = valueIn("cid_in", "channel", (input) => input.message.cid);
/** The channel type is the part of the cid before ':' ("messaging" in "messaging:general"). */
export const channelTypeIn = valueIn("channel_type_in", "channel type", (input) => {
  const cid = input.message.cid;
  if (!cid) return undefined;
  const colon = cid.indexOf(":");
  return colon === -1 ? undefined : cid.slice(0, colon);
});
export const requestTypeIn = valueIn(
  "request_type_in",
  "request type",
  (input) => input.requestInfo?.type ?? undefined,
);

/**
 * `metadata: {plan: free, country: [XX, YY]}`: every listed key must be present with one of its
 * listed values (AND across keys, OR inside a list), like a `when` block.
 */
export const metadataMatches: ConditionDefinition = {
  key: "metadata",
  compile(raw, path) {
    const obj = expectObject(raw, path, "a mapping of metadata key to value or list of values");
    const entries = Object.entries(obj).map(([name, value]) => {
      if (typeof value === "boolean" || typeof value === "number")
        return [name, new Set([String(value)])] as const;
      return [name, new Set(expectStringList(value, [...path, name]))] as const;
    });
    if (entries.length === 0) throw new SpecError(path, "expected at least one metadata key");
    return {
      key: "metadata",
      test(ctx) {
        const details: string[] = [];
        for (const [name, allowed] of entries) {
          const value = ctx.input.metadata[name];
          if (value === undefined || !allowed.has(value)) return null;
          details.push(`${name}=${value}`);
        }
        return { key: "metadata", detail: `metadata ${details.join(", ")}` };
      },
    };
  },
};
