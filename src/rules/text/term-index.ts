import type { PendingMessage } from "../../hooks/payload.ts";
import { messageTextFields } from "../message-fields.ts";
import type { Path } from "../validate.ts";
import { builtInAllowList } from "./allow-list.ts";
import type { ScanBudget } from "./automaton.ts";
import { type NormalizationOptions, profileKey } from "./normalize.ts";
import { type TermEntry, TermMatcher } from "./term-matcher.ts";

export interface TermHit {
  /** Index of the term in the list its condition registered. */
  term: number;
  field: string;
  start: number;
  end: number;
  /** The original text of the span. */
  original: string;
  /** The span after normalization, as it was compared with the term. */
  normalized: string;
}

interface Profile {
  options: NormalizationOptions;
  slots: Array<{
    slot: number;
    terms: ReadonlyArray<string | TermEntry>;
    path: Path;
    allow: ReadonlySet<string>;
  }>;
}

/**
 * Every text condition of a rule set registers its terms here. Conditions with the same
 * normalization profile share one matcher, so a message is normalized and scanned once per
 * profile however many rules and terms there are.
 */
export class TermIndexBuilder {
  private readonly profiles = new Map<number, Profile>();
  private slotCount = 0;

  /** Registers a condition's terms; `allow` is its allow-list (default: the built-in one). */
  register(
    terms: ReadonlyArray<string | TermEntry>,
    options: NormalizationOptions,
    path: Path,
    allow: ReadonlySet<string> = builtInAllowList(),
  ): number {
    const key = profileKey(options);
    let profile = this.profiles.get(key);
    if (!profile) {
      profile = { options, slots: [] };
      this.profiles.set(key, profile);
    }
    const slot = this.slotCount++;
    profile.slots.push({ slot, terms, path, allow });
    return slot;
  }

  build(): TermIndex {
    const matchers: TermMatcher[] = [];
    const matcherOfSlot = new Int32Array(this.slotCount);
    for (const profile of this.profiles.values()) {
      const matcher = new TermMatcher(profile.options);
      for (const { slot, terms, path, allow } of profile.slots) {
        matcher.addTerms(slot, terms, path, allow);
        matcherOfSlot[slot] = matchers.length;
      }
      matcher.compile();
      matchers.push(matcher);
    }
    return new TermIndex(matchers, matcherOfSlot, this.slotCount);
  }
}

export class TermIndex {
  constructor(
    private readonly matchers: TermMatcher[],
    private readonly matcherOfSlot: Int32Array,
    readonly slotCount: number,
  ) {}

  /** A per-message view that scans the message lazily, once per profile. */
  forMessage(message: PendingMessage, budget?: ScanBudget): (slot: number) => readonly TermHit[] {
    const scanned: Array<TermHit[][] | undefined> = new Array(this.matchers.length);
    let fields: ReturnType<typeof messageTextFields> | undefined;
    return (slot) => {
      const matcherIndex = this.matcherOfSlot[slot] as number;
      let hitsBySlot = scanned[matcherIndex];
      if (!hitsBySlot) {
        fields ??= messageTextFields(message);
        hitsBySlot = [];
        const matcher = this.matchers[matcherIndex] as TermMatcher;
        for (const { field, text } of fields) matcher.scan(text, field, hitsBySlot, budget);
        scanned[matcherIndex] = hitsBySlot;
      }
      return hitsBySlot[slot] ?? NO_HITS;
    };
  }
}

const NO_HITS: readonly TermHit[] = Object.freeze([]);
