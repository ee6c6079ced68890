import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseRuleSet } from "../../src/rules/index.ts";

// The README's rules reference shows an example for every key: each must load as written.
const readme = readFileSync(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8");
const reference = readme.slice(
  readme.indexOf("\n## Rules\n"),
  readme.indexOf("\n## ", readme.indexOf("\n## Rules\n") + 1),
);
const blocks = [...reference.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe("rules reference examples", () => {
  it("has examples", () => {
    expect(blocks.length).toBeGreaterThan(5);
  });

  it.each(blocks.map((block, index) => [index, block] as const))("example #%i loads", (_index, block) => {
    const yaml = block.trimStart().startsWith("- id:")
      ? `rules:\n${block
          .split("\n")
          .map((line) => `  ${line}`)
          .join("\n")}`
      : block;
    const rules = parseRuleSet(yaml, "README.md", { readFile: () => "listed\n" });
    expect(rules.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it("covers every condition key", async () => {
    const { CONDITIONS } = await import("../../src/rules/conditions/index.ts");
    for (const key of CONDITIONS.keys()) expect(blocks.join("\n")).toContain(`${key}:`);
  });
});
