"""The store-owner admin: index stats, the documents panel (``ui.uploads_panel``), the dashboard.

Only signed-in admins reach it: ``ui.auth`` guards every request under
``/admin``, the page and each of its actions alike, on the server. Uploads
are filed by the kind the admin picks (policy, FAQ, help page, catalog,
reviews) under ``settings.uploads_dir``, outside the code, and listed with
Remove; re-indexing is incremental, so only new and changed files are
embedded. Every action is written to the audit log with the admin's name.
"""

from __future__ import annotations

from collections import Counter

import gradio as gr
import pandas as pd

from chatbot.converse.language import NAMES
from chatbot.data.topics import TopicFinder
from chatbot.data.topics import warm_up as warm_up_topics

from .uploads_panel import build_uploads_panel


def index_stats_markdown(bot) -> str:
    docs = bot.documents
    kinds = Counter(d.kind for d in docs.values())
    index = bot.retriever.index
    parts = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
    return (f"**Index:** {len(docs)} documents ({parts}), {len(index.chunks)} chunks, generation "
            f"{index.generation}, embedder `{index.embedder}`.")


def serving_markdown(bot) -> str:
    """The answer cache and the model workers, as the owner reads them: is repetition paying off, is the model up."""
    cache = bot.cache.stats()
    lookups = cache["hits"] + cache["misses"]
    text = (f"**Answer cache:** {cache['entries']} answer{'' if cache['entries'] == 1 else 's'} stored "
            f"(at most {cache['max_entries']}), "
            f"hit rate {cache['hit_rate']:.0%} ({cache['hits']} of {lookups} repeated-question lookups).")
    model = bot.generator_health()
    text += f" **Model:** {model.get('name', '')} is {model.get('state', 'unknown')}"
    if model.get("workers"):
        totals = model.get("totals") or {}
        reused = totals.get("prompt_tokens_reused", 0) / totals["prompt_tokens"] if totals.get("prompt_tokens") else 0
        text += (f" ({model['workers']} worker process(es), {model.get('restarts', 0)} restart(s), "
                 f"{reused:.0%} of prompt tokens reused from the previous question)")
    return text + "."


def dashboard(store, bot=None) -> tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # topics are grouped by meaning with the bot's phrase embedder (cached, so a repeated question costs nothing)
    stats = store.stats(30, topics=TopicFinder(bot.phrases) if bot is not None else None)
    rates, thumbs = stats["rates"], stats["thumbs"]
    ratio = "n/a" if thumbs["ratio"] is None else f"{thumbs['ratio']:.0%}"
    summary = (f"**Last 30 days:** answered {rates['answered']:.0%}, abstained {rates['abstained']:.0%}, "
               f"handed off {rates['handed_off']:.0%}. Thumbs up {thumbs['up']}, down {thumbs['down']} "
               f"(ratio {ratio}).")
    if stats["languages"]:
        summary += " **Messages in other languages:** " + ", ".join(
            f"{NAMES.get(code, code)} {n}" for code, n in stats["languages"].items()) + "."
    if bot is not None:
        summary += "\n\n" + serving_markdown(bot)
    per_day = pd.DataFrame(stats["questions_per_day"])
    per_day["date"] = pd.to_datetime(per_day["date"])  # a time axis: ticks the plot spaces out, not 30 labels
    # percentages on an axis from 0 to 100: a 13% hand-off rate must look like 13%, not like a sliver of 0.2
    outcomes = pd.DataFrame([{"outcome": k.replace("_", " "), "percent": round(100 * v, 1)} for k, v in rates.items()])
    missing = pd.DataFrame([{"topic": t["topic"], "questions": t["count"], "examples": " | ".join(t["examples"])}
                            for t in stats["top_unanswered"]] or [{"topic": "", "questions": 0, "examples": ""}])
    topics = pd.DataFrame([{"topic": t["topic"], "questions": t["questions"], "answered": f"{t['answered']:.0%}",
                            "abstained": f"{t['abstained']:.0%}", "handed off": f"{t['handed_off']:.0%}",
                            "thumbs down (of answered)": f"{t['thumbs_down']:.0%}"} for t in stats["topics"]]
                          or [{"topic": "", "questions": 0}])
    return summary, per_day, outcomes, missing, topics


def build_admin_tab(bot, store, settings, who=lambda request: "admin", knowledge=None) -> dict:
    """``who(request)`` names the signed-in admin for the audit log; ``knowledge`` shares uploads with the other
    replicas (``ui.uploads_panel``)."""
    with gr.Column() as panel:
        stats = gr.Markdown(elem_id="index-stats")
        list_on_load = build_uploads_panel(bot, store, settings, who, stats, index_stats_markdown, knowledge)
        gr.Markdown("## Dashboard")
        refresh = gr.Button("Refresh dashboard", elem_id="refresh-dashboard")
        summary = gr.Markdown(elem_id="dashboard-summary")
        with gr.Row():
            per_day = gr.LinePlot(x="date", y="questions", title="Questions per day", height=240)
            outcomes = gr.BarPlot(x="outcome", y="percent", title="Outcomes (% of questions)", y_title="%",
                                  y_lim=[0, 100], height=240, elem_id="outcomes-plot")
        missing = gr.Dataframe(label="Top unanswered questions by topic (knowledge to add)", elem_id="unanswered")
        topics = gr.Dataframe(label="Topics: how questions ended, and how often an answer got a thumbs down",
                              elem_id="topic-outcomes")

    def refresh_dashboard():
        return dashboard(store, bot)

    def first_dashboard():
        warm_up_topics()  # once, as the page opens, rather than when Refresh is pressed
        return dashboard(store, bot)

    refresh.click(refresh_dashboard, None, [summary, per_day, outcomes, missing, topics])
    # drawn when the page opens too: no empty plots and tables headed "1 2 3" until Refresh is pressed
    on_load = [(lambda: index_stats_markdown(bot), None, stats),
               (first_dashboard, None, [summary, per_day, outcomes, missing, topics]), list_on_load]
    return {"panel": panel, "stats": stats, "load": on_load}
