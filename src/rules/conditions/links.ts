import { SpecError } from "../errors.ts";
import { canonicalHost, hostInDomain } from "../links.ts";
import { expectStringList } from "../validate.ts";
import type { ConditionDefinition } from "./types.ts";

export const linkDomainIn: ConditionDefinition = {
  key: "link_domain_in",
  compile(raw, path) {
    const listed = expectStringList(raw, path);
    const domains = listed.map((name, index) => {
      const host = canonicalHost(name.replace(/^\*\./, ""));
      if (!host) throw new SpecError([...path, index], `"${name}" is not a domain name`);
      return host;
    });
    return {
      key: "link_domain_in",
      test(ctx) {
        const spans = [];
        const matched = new Set<string>();
        for (const link of ctx.linkHosts()) {
          const domain = domains.find((d) => hostInDomain(link.host, d));
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
