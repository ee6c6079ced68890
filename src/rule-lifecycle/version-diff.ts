import { createTwoFilesPatch } from "diff";

interface VersionContent {
  version: string;
  source: string;
  content: string;
  lists: Record<string, string>;
}

/**
 * A unified diff from `from` to `to`: the rules file, then each term list file that changed
 * (a list only one version reads is diffed against nothing).
 */
export function diffVersions(from: VersionContent, to: VersionContent): string {
  const patches = [
    createTwoFilesPatch(
      `${from.version}/${from.source}`,
      `${to.version}/${to.source}`,
      from.content,
      to.content,
      undefined,
      undefined,
      { context: 3 },
    ),
  ];
  const listPaths = [...new Set([...Object.keys(from.lists), ...Object.keys(to.lists)])].sort();
  for (const path of listPaths) {
    const before = from.lists[path] ?? "";
    const after = to.lists[path] ?? "";
    if (before === after) continue;
    patches.push(
      createTwoFilesPatch(
        `${from.version}/${path}`,
        `${to.version}/${path}`,
        before,
        after,
        undefined,
        undefined,
        {
          context: 3,
        },
      ),
    );
  }
  return patches.join("");
}
