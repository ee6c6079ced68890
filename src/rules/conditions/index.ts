import { attachmentsOver, capsRatioOver, mentionsOver } from "./counts.ts";
import { channelTypeIn, cidIn, metadataMatches, requestTypeIn, userIdIn, userRoleIn } from "./identity.ts";
import { linkDomainIn } from "./links.ts";
import { ipIn } from "./network.ts";
import { extHas, extMatches, sdkMatches, textMatches, userAgentMatches } from "./patterns.ts";
import { rate } from "./rate.ts";
import { textHasCategory } from "./text-category.ts";
import { textAllow, textHasAny, textHasAnyFile } from "./text-terms.ts";
import type { ConditionDefinition } from "./types.ts";

const DEFINITIONS: ConditionDefinition[] = [
  textHasAny,
  textHasAnyFile,
  textHasCategory,
  textAllow,
  textMatches,
  linkDomainIn,
  ipIn,
  userAgentMatches,
  sdkMatches,
  extMatches,
  extHas,
  requestTypeIn,
  userIdIn,
  userRoleIn,
  cidIn,
  channelTypeIn,
  metadataMatches,
  mentionsOver,
  attachmentsOver,
  capsRatioOver,
  rate,
];

/** Every condition key the rules language knows, by name. */
export const CONDITIONS: ReadonlyMap<string, ConditionDefinition> = new Map(
  DEFINITIONS.map((d) => [d.key, d]),
);

/**
 * Conditions that only look at small fields run before those that scan the text, so a rule
 * whose cheap conditions fail never pays for normalization.
 */
export const EXPENSIVE_KEYS: ReadonlySet<string> = new Set([
  "text_has_any",
  "text_has_category",
  "text_matches",
  "link_domain_in",
  "caps_ratio_over",
]);
