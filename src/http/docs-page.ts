/**
 * The /docs page: self-contained (no CDN, so it works on a closed network), it fetches
 * /openapi.json and renders every operation with its parameters, body and responses.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fafafa; }
  header { background: #1d2b3a; color: #fff; padding: 1.2rem 2rem; }
  header p { margin: .3rem 0 0; opacity: .85; max-width: 60rem; }
  main { padding: 1rem 2rem 4rem; max-width: 70rem; }
  h2 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
  details { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: .5rem 0; }
  summary { cursor: pointer; padding: .5rem .8rem; display: flex; gap: .8rem; align-items: baseline; }
  .method { font: bold 12px monospace; text-transform: uppercase; padding: .15rem .5rem; border-radius: 4px; color: #fff; min-width: 3.5rem; text-align: center; }
  .get { background: #2f7dd1; } .post { background: #2e9d5b; } .delete { background: #c73a3a; } .put, .patch { background: #b7791f; }
  .path { font-family: monospace; font-weight: 600; }
  .op { padding: 0 1rem 1rem; }
  table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
  th, td { text-align: left; border-bottom: 1px solid #eee; padding: .3rem .5rem; vertical-align: top; }
  code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
  pre { background: #f3f4f6; padding: .6rem; border-radius: 4px; overflow-x: auto; }
  .lock { color: #8a6d00; font-size: 12px; }
</style>
</head>
<body>
<header><h1 id="title">Gatehouse API</h1><p id="description">Loading /openapi.json…</p></header>
<main id="main"></main>
<script>
(async () => {
  const main = document.getElementById("main");
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const child of children) node.append(child);
    return node;
  };
  let doc;
  try {
    const response = await fetch("openapi.json");
    doc = await response.json();
  } catch (error) {
    document.getElementById("description").textContent = "Could not load /openapi.json: " + error;
    return;
  }
  document.getElementById("title").textContent = doc.info.title + " " + doc.info.version;
  document.getElementById("description").textContent = doc.info.description || "";
  const schemas = (doc.components && doc.components.schemas) || {};
  const resolve = (schema, depth = 0) => {
    if (!schema || depth > 6) return schema;
    if (schema.$ref) return resolve(schemas[schema.$ref.split("/").pop()], depth + 1);
    const out = Array.isArray(schema) ? [] : {};
    for (const [k, v] of Object.entries(schema)) out[k] = v && typeof v === "object" ? resolve(v, depth + 1) : v;
    return out;
  };
  const shape = (schema) => {
    const s = resolve(schema);
    if (!s) return "";
    if (s.type === "object" && s.properties) {
      const o = {};
      for (const [k, v] of Object.entries(s.properties)) o[k + ((s.required || []).includes(k) ? "" : "?")] = shape(v);
      return o;
    }
    if (s.type === "array") return [shape(s.items)];
    if (s.enum) return s.enum.join(" | ");
    if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map((x) => JSON.stringify(shape(x))).join(" | ");
    return (s.type || "any") + (s.nullable ? " | null" : "") + (s.format ? " (" + s.format + ")" : "");
  };
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "Other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  for (const [tag, ops] of byTag) {
    main.append(el("h2", {}, tag));
    for (const { path, method, op } of ops) {
      const body = el("div", { class: "op" });
      if (op.description) body.append(el("p", {}, op.description));
      if (op.security && op.security.length) body.append(el("p", { class: "lock" }, "Requires Authorization: Bearer <token>"));
      if (op.parameters && op.parameters.length) {
        const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "schema"), el("th", {}, "description")));
        for (const p of op.parameters) {
          table.append(el("tr", {}, el("td", {}, el("code", {}, p.name + (p.required ? "" : "?"))), el("td", {}, p.in),
            el("td", {}, el("code", {}, JSON.stringify(shape(p.schema)))), el("td", {}, (p.description || (p.schema && p.schema.description) || ""))));
        }
        body.append(table);
      }
      const requestBody = op.requestBody && op.requestBody.content;
      if (requestBody) {
        const [type, media] = Object.entries(requestBody)[0];
        body.append(el("h4", {}, "Body (" + type + ")"), el("pre", {}, JSON.stringify(shape(media.schema), null, 2)));
      }
      for (const [status, response] of Object.entries(op.responses || {})) {
        body.append(el("h4", {}, status + " " + (response.description || "")));
        const content = response.content && Object.entries(response.content)[0];
        if (content) body.append(el("pre", {}, content[0] + "\\n" + JSON.stringify(shape(content[1].schema), null, 2)));
      }
      main.append(el("details", {}, el("summary", {}, el("span", { class: "method " + method }, method), el("span", { class: "path" }, path), el("span", {}, op.summary || "")), body));
    }
  }
})();
</script>
</body>
</html>
`;
