import type { PendingMessage } from "../../hooks/payload.ts";
import { attachmentTextFields } from "../message-fields.ts";
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

  constructor(private readonly options: { knownWords: boolean } = { knownWords: true }) {}

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
      // The profiles share one matcher's worth of cache memory, so a rule set's caches stay
      // bounded however many normalization profiles its rules use.
      const matcher = new TermMatcher(profile.options, 1 / this.profiles.size, this.options);
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

  /** The normalization profiles the rules match terms with (none: no rule matches terms). */
  get normalizations(): NormalizationOptions[] {
    return this.matchers.map((matcher) => matcher.options);
  }

  /** Reads `text` with every profile's matcher for the code's sake (see TermMatcher.warmUp). */
  warmUp(text: string, budget: ScanBudget): number {
    let hits = 0;
    for (const matcher of this.matchers) hits += matcher.warmUp(text, budget);
    return hits;
  }

  /** A per-message view that scans the message lazily, once per profile. */
  forMessage(message: PendingMessage, budget?: ScanBudget): MessageTermHits {
    return new MessageTermHits(this.matchers, this.matcherOfSlot, message, budget);
  }
}

/**
 * The term hits of one message, by condition slot: each profile's matcher scans the message's
 * text fields on the first request for one of its slots. Made for every evaluation, so it
 * allocates nothing until a scan has something to hold.
 */
export class MessageTermHits {
  /** Hits by slot of the first matcher, and of the others (most rule sets have one profile). */
  private first: TermHit[][] | undefined;
  private others: Array<TermHit[][] | undefined> | undefined;

  constructor(
    private readonly matchers: readonly TermMatcher[],
    private readonly matcherOfSlot: Int32Array,
    private readonly message: PendingMessage,
    private readonly budget: ScanBudget | undefined,
  ) {}

  of(slot: number): readonly TermHit[] {
    const matcherIndex = this.matcherOfSlot[slot] as number;
    let hitsBySlot = matcherIndex === 0 ? this.first : this.others?.[matcherIndex];
    if (!hitsBySlot) {
      hitsBySlot = this.scan(this.matchers[matcherIndex] as TermMatcher);
      if (matcherIndex === 0) this.first = hitsBySlot;
      else {
        this.others ??= [];
        this.others[matcherIndex] = hitsBySlot;
      }
    }
    return hitsBySlot[slot] ?? NO_HITS;
  }

  private scan(matcher: TermMatcher): TermHit[][] {
    const hitsBySlot: TermHit[][] = [];
    const { message, budget } = this;
    // The text, then the attachments' fields (see messageTextFields), without listing them first.
    if (typeof message.text === "string" && message.text.length > 0)
      matcher.scan(message.text, "text", hitsBySlot, budget);
    if ((message.attachments?.length ?? 0) > 0) {
      for (const { field, text } of attachmentTextFields(message))
        matcher.scan(text, field, hitsBySlot, budget);
    }
    return hitsBySlot;
  }
}

const NO_HITS: readonly TermHit[] = Object.freeze([]);
