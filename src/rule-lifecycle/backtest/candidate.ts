import { resolve } from "node:path";
import type { CompiledRuleSet } from "../../rules/evaluate.ts";
import { parseRuleSet } from "../../rules/load.ts";

/** Where a candidate's relative list paths resolve: no real directory, nothing is read from disk. */
const CANDIDATE_DIR = "/candidate";

export interface CandidateSource {
  /** The rules file as it would be deployed. */
  rules: string;
  /** Term list files by the path the rules name them with. */
  lists: Record<string, string>;
  /** Lists the active rules read, used for any path `lists` does not give. */
  activeLists: Record<string, string>;
}

/**
 * Compiles a candidate rules file without touching the file system: every `text_has_any_file`
 * path is looked up in the lists sent with it, then in the lists the active rules read. A
 * candidate comes from a moderator's request, so it must not be able to read the server's files.
 */
export function compileCandidate(source: CandidateSource): CompiledRuleSet {
  const byPath = new Map<string, string>();
  for (const lists of [source.activeLists, source.lists])
    for (const [path, content] of Object.entries(lists)) byPath.set(resolve(CANDIDATE_DIR, path), content);
  return parseRuleSet(source.rules, "candidate", {
    baseDir: CANDIDATE_DIR,
    readFile(absolutePath) {
      const content = byPath.get(absolutePath);
      if (content === undefined) {
        const error = new Error("not sent with the candidate") as NodeJS.ErrnoException;
        error.code = "not in `lists` and not read by the active rules: send its content in `lists`";
        throw error;
      }
      return content;
    },
  });
}
