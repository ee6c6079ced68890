import { SpecError } from "../errors.ts";
import { canonicalHost } from "../links.ts";
import { expectStringList } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

export const linkDomainIn: ConditionDefinition = {
  key: "link_domain_in",
  compile(raw, path) {
    const listed = expectStringList(raw, path);
    // Listed domain -> its position in the list (the first listing of a name wins).
    const positions = new Map<string, number>();
    listed.forEach((name, index) => {
      const host = canonicalHost(name.replace(/^\*\./, ""));
      if (!host) throw new SpecError([...path, index], `"${name}" is not a domain name`);
      if (!positions.has(host)) positions.set(host, index);
    });
    /**
     * The listed domain `host` is in (itself or a parent), the earliest listed when several are.
     * One lookup per label of the host (at most 127), however long the list: a message with
     * thousands of links against a list of thousands of domains stays cheap.
     */
    const listedDomainOf = (host: string): string | undefined => {
      let found: string | undefined;
      let foundAt = Number.POSITIVE_INFINITY;
      let from = 0;
      for (;;) {
        const suffix = from === 0 ? host : host.slice(from);
        const at = positions.get(suffix);
        if (at !== undefined && at < foundAt) {
          found = suffix;
          foundAt = at;
        }
        const dot = host.indexOf(".", from);
        if (dot === -1) return found;
        from = dot + 1;
      }
    };
    return {
      key: "link_domain_in",
      test(ctx) {
        const spans = [];
        const matched = new Set<string>();
        for (const link of ctx.linkHosts()) {
          const domain = listedDomainOf(link.host);
          if (domain === undefined) continue;
          matched.add(domain);
          spans.push({
            field: link.field,
            start: link.start,
            end: link.end,
            text: link.text,
            normalized: link.host,
          });
        }
        if (spans.length === 0) return null;
        return { key: "link_domain_in", detail: `link to ${[...matched].join(", ")}`, spans };
      },
    };
  },
};
