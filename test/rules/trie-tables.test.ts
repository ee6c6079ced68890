import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CompoundPart, childOf, type TermOutput, TrieBuilder } from "../../src/rules/text/automaton.ts";

// The compiled trie answers every edge lookup as the edges it was built from: through a state's
// direct table, the root's hash of far keys (other scripts) or the sorted edges.
function output(term: number): TermOutput {
  return {
    slot: 0,
    term,
    normalized: String(term),
    written: String(term),
    base: true,
    compoundPart: CompoundPart.None,
    strong: false,
    language: 0,
    neverInnocent: false,
    compoundLanguages: 1,
  };
}

describe("trie tables", () => {
  it("every lookup agrees with the edges added, near and far keys alike (property)", () => {
    // Keys as the automaton makes them (symbol << 1 | doubled), from Latin to Hangul and beyond.
    const key = fc
      .oneof(
        fc.integer({ min: 0x40, max: 0x7f }),
        fc.integer({ min: 0x0e00, max: 0x0e7f }),
        fc.integer({ min: 0x4e00, max: 0x9fff }),
        fc.integer({ min: 0xac00, max: 0xd7a3 }),
        fc.integer({ min: 0x10000, max: 0x10002 }),
      )
      .map((symbol) => symbol << 1);
    fc.assert(
      fc.property(
        fc.array(fc.array(key, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 400 }),
        fc.array(key, { maxLength: 50 }),
        (paths, probes) => {
          const builder = new TrieBuilder();
          paths.forEach((path, term) => {
            builder.add(path, output(term));
          });
          const tables = builder.compileTables();
          // Each path leads to a state; walking it through childOf must reach a state for every
          // prefix, and the probes (absent keys too) must find a child exactly where one was added.
          for (const path of paths) {
            let node = 0;
            for (const edge of path) {
              node = childOf(tables, node, edge);
              expect(node).toBeGreaterThan(0);
            }
          }
          const rootKeys = new Set(paths.map((path) => path[0]));
          for (const probe of probes) expect(childOf(tables, 0, probe) >= 0).toBe(rootKeys.has(probe));
          for (const first of rootKeys) {
            const after = childOf(tables, 0, first as number);
            const nextKeys = new Set(paths.filter((p) => p[0] === first && p.length > 1).map((p) => p[1]));
            for (const probe of probes) expect(childOf(tables, after, probe) >= 0).toBe(nextKeys.has(probe));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
