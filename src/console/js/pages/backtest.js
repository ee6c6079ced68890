// Backtests (#/backtest): try a candidate rules file on the stored messages before it goes live.
// Without an id, the form and the recent backtests; with one (#/backtest/<id>), that backtest.
import { fill, h } from "../dom.js";
import { backtestForm } from "./backtest-form.js";
import { backtestListSection } from "./backtest-list.js";
import { backtestRunPage } from "./backtest-run.js";

export function backtestPage(main, { params, id }) {
  if (id) return backtestRunPage(main, id);
  fill(
    main,
    h("p", {}, h("a", { href: "#/rules" }, "← Rules")),
    h("h1", {}, "Backtest"),
    h(
      "p.muted",
      {},
      "Replay a candidate rules file over the messages stored in a window and see what it would have decided, next to what was decided then and what moderators decided. Nothing is sent to Stream and nothing changes.",
    ),
    backtestForm({ from: params.get("from") ?? undefined }),
    backtestListSection(),
  );
}
