// Small SVG charts drawn by hand: bars (stacked) and lines over time buckets. Each chart is an
// image with a title and a text summary, for screen readers.

const NS = "http://www.w3.org/2000/svg";
const W = 640;
const H = 220;
const PAD = { left: 56, right: 12, top: 12, bottom: 36 };

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children) if (child) element.append(child);
  return element;
}

function frame(title, summary) {
  const id = `chart-${Math.random().toString(36).slice(2)}`;
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart" },
    svg("title", { id: `${id}-t` }, document.createTextNode(title)),
    svg("desc", { id: `${id}-d` }, document.createTextNode(summary)),
  );
}

function axes(root, labels, max, unit) {
  const plotH = H - PAD.top - PAD.bottom;
  for (const fraction of [0, 0.5, 1]) {
    const y = PAD.top + plotH * (1 - fraction);
    root.append(svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, class: "grid" }));
    root.append(
      svg(
        "text",
        { x: PAD.left - 6, y: y + 4, "text-anchor": "end", class: "tick" },
        document.createTextNode(`${round(max * fraction)}${unit}`),
      ),
    );
  }
  const step = (W - PAD.left - PAD.right) / labels.length;
  const every = Math.ceil(labels.length / 6);
  labels.forEach((label, index) => {
    if (index % every !== 0) return;
    root.append(
      svg(
        "text",
        { x: PAD.left + step * (index + 0.5), y: H - 12, "text-anchor": "middle", class: "tick" },
        document.createTextNode(label),
      ),
    );
  });
}

const round = (value) => (value >= 100 ? Math.round(value) : Math.round(value * 10) / 10);

/** series: [{name, cls, values[]}] stacked per bucket. */
export function stackedBars(title, labels, series, unit = "") {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const root = frame(
    title,
    `${title}: ${series.map((s) => `${s.name} ${round(s.values.reduce((a, b) => a + (b ?? 0), 0))}`).join(", ")} in total.`,
  );
  axes(root, labels, max, unit);
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / labels.length;
  labels.forEach((_, i) => {
    let base = 0;
    for (const s of series) {
      const value = s.values[i] ?? 0;
      if (value <= 0) continue;
      const height = (value / max) * plotH;
      root.append(
        svg(
          "rect",
          {
            x: PAD.left + step * i + step * 0.15,
            width: step * 0.7,
            y: PAD.top + plotH - base - height,
            height,
            class: s.cls,
          },
          svg("title", {}, document.createTextNode(`${labels[i]} ${s.name}: ${round(value)}${unit}`)),
        ),
      );
      base += height;
    }
  });
  return root;
}

/** series: [{name, cls, values[] (null = no data)}] as lines. */
export function lines(title, labels, series, unit = "") {
  const all = series.flatMap((s) => s.values.filter((v) => v !== null && v !== undefined));
  const max = Math.max(1, ...all);
  const min = Math.min(0, ...all);
  const root = frame(
    title,
    all.length
      ? `${title}: ${series.map((s) => `${s.name} latest ${latest(s.values, unit)}`).join(", ")}.`
      : `${title}: no data in this window.`,
  );
  axes(root, labels, max, unit);
  const plotH = H - PAD.top - PAD.bottom;
  const step = (W - PAD.left - PAD.right) / labels.length;
  const y = (value) => PAD.top + plotH * (1 - (value - min) / (max - min || 1));
  for (const s of series) {
    const points = s.values
      .map((value, i) =>
        value === null || value === undefined ? null : `${PAD.left + step * (i + 0.5)},${y(value)}`,
      )
      .filter(Boolean);
    if (points.length > 1) root.append(svg("polyline", { points: points.join(" "), class: `line ${s.cls}` }));
    for (const point of points) {
      const [cx, cy] = point.split(",");
      root.append(svg("circle", { cx, cy, r: 3, class: `dot ${s.cls}` }));
    }
  }
  return root;
}

function latest(values, unit) {
  const value = [...values].reverse().find((v) => v !== null && v !== undefined);
  return value === undefined ? "none" : `${round(value)}${unit}`;
}

/** The legend under a chart: a swatch and the series name. */
export function legend(series) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const s of series) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch ${s.cls}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(s.name));
    list.append(item);
  }
  return list;
}

/**
 * One horizontal bar per figure, labelled on the left and with its value at its end: for a few
 * figures of one window (percentiles), where a line over time has nothing to draw.
 * rows: [{name, cls, value (null = no data)}].
 */
export function horizontalBars(title, rows, unit = "") {
  const left = 150;
  const rowH = 30;
  const height = PAD.top + rows.length * rowH + 8;
  const max = Math.max(1e-9, ...rows.map((r) => Math.abs(r.value ?? 0)));
  const root = frame(
    title,
    `${title}: ${rows.map((r) => `${r.name} ${r.value === null || r.value === undefined ? "no data" : `${round(r.value)}${unit}`}`).join(", ")}.`,
  );
  root.setAttribute("viewBox", `0 0 ${W} ${height}`);
  const room = W - left - PAD.right - 90;
  rows.forEach((r, i) => {
    const y = PAD.top + i * rowH;
    root.append(
      svg(
        "text",
        { x: left - 8, y: y + 18, "text-anchor": "end", class: "label" },
        document.createTextNode(r.name),
      ),
    );
    const hasValue = r.value !== null && r.value !== undefined;
    const width = hasValue ? Math.max(1, (Math.abs(r.value) / max) * room) : 0;
    if (hasValue) root.append(svg("rect", { x: left, y: y + 4, width, height: rowH - 10, class: r.cls }));
    root.append(
      svg(
        "text",
        { x: left + width + 6, y: y + 18, class: "label" },
        document.createTextNode(hasValue ? `${round(r.value)}${unit}` : "no data"),
      ),
    );
  });
  return root;
}
