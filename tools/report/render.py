"""The marts of dbt_tiktok_organic as one self-contained HTML page, run under .venv-report.

Plotly's JavaScript is inlined once, so the page opens offline and asks nothing of any server.
Imports only .venv-report's packages (duckdb, plotly), never this repository's.

    python -m tools.report.render --db-path warehouse.duckdb --output report.html --label "..."
"""

from __future__ import annotations

import argparse
import html
import sys
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import plotly.graph_objects as go

MARTS = "analytics"  # dbt_build.MARTS_SCHEMA; this module imports nothing of the repository
TOP_VIDEOS = 10
LAYOUT: dict[str, Any] = {
    "template": "plotly_white",
    "height": 360,
    "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
    "legend": {"orientation": "h", "y": -0.2},
}


class Charts:
    """The page's charts in order; the first carries plotly.js, the others reuse it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._charts = 0

    def add(self, title: str, figure: go.Figure, subtitle: str = "") -> None:
        text = html.escape(title) + (f"<br><sup>{html.escape(subtitle)}</sup>" if subtitle else "")
        figure.update_layout(**LAYOUT)
        figure.update_layout(title={"text": text, "x": 0.01}, margin_t=70 if subtitle else 50)
        chart = figure.to_html(
            full_html=False,
            include_plotlyjs=self._charts == 0,
            config={"displaylogo": False, "responsive": True},
            div_id=f"chart-{self._charts}",
        )
        self.parts.append(f'<section class="chart" data-title="{html.escape(title)}">{chart}</section>')
        self._charts += 1

    def note(self, text: str) -> None:
        self.parts.append(f'<p class="note">{html.escape(text)}</p>')

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{html.escape(text)}</h2>")


def rows(db: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = db.execute(sql, list(params)).fetchall()
    return found


def short(text: str | None, width: int = 40) -> str:
    text = " ".join((text or "(no caption)").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def account_names(db: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """Each account's name on the page: the label its connection's config gives it, else @username
    (else its open_id). A connection of either API may read several accounts: each is charted apart."""
    names = rows(
        db,
        f"select source_relation, account_id, max(account_label), "
        f"coalesce('@' || max(username), max(display_name), account_id) "
        f"from {MARTS}.int_tiktok_organic__accounts group by source_relation, account_id",
    )
    return {(source, account): label or name for source, account, label, name in names}


def account_name(names: dict[tuple[str, str], str], key: tuple[str, str]) -> str:
    return names.get(key) or key[1] or key[0]


def growth(db: duckdb.DuckDBPyConnection, charts: Charts, names: dict[tuple[str, str], str]) -> None:
    series: dict[tuple[str, str], list[tuple[Any, ...]]] = defaultdict(list)
    for source, account, day, followers, views in rows(
        db,
        f"select source_relation, account_id, date_day, followers, views "
        f"from {MARTS}.tiktok_organic__account_daily order by date_day",
    ):
        series[(source, account)].append((day, followers, views))
    if not series:
        charts.note("No daily account data yet: sync at least once (twice, a day apart, for snapshots).")
        return
    followers, views = go.Figure(), go.Figure()
    for key, points in sorted(series.items(), key=lambda item: account_name(names, item[0])):
        label = account_name(names, key)
        days = [p[0] for p in points]
        followers.add_trace(go.Scatter(x=days, y=[p[1] for p in points], mode="lines+markers", name=label))
        views.add_trace(go.Bar(x=days, y=[p[2] for p in points], name=label))
    charts.add("Followers", followers)
    charts.add("Views per day", views)


def top_videos(db: duckdb.DuckDBPyConnection, charts: Charts, names: dict[tuple[str, str], str]) -> None:
    top = rows(
        db,
        f"select title, recent_views_gained, source_relation, account_id "
        f"from {MARTS}.tiktok_organic__video_report "
        f"where recent_views_gained is not null order by recent_views_gained desc limit {TOP_VIDEOS}",
    )
    if not top:
        charts.note("No views gained yet: the daily video snapshots need two syncs a day apart.")
        return
    top.reverse()  # plotly draws horizontal bars bottom-up: the best goes on top
    labels = [
        f"{rank}. {short(title)}" for rank, (title, *_) in zip(range(len(top), 0, -1), top, strict=True)
    ]
    accounts = sorted(
        {(source, account) for _, _, source, account in top}, key=lambda k: account_name(names, k)
    )
    figure = go.Figure()
    if len(accounts) == 1:
        figure.add_trace(go.Bar(x=[row[1] for row in top], y=labels, orientation="h", marker_color="#fe2c55"))
    else:
        # Several accounts: a series each, named in the legend; every video keeps its rank's row.
        for key in accounts:
            mine = [(label, row[1]) for label, row in zip(labels, top, strict=True) if tuple(row[2:]) == key]
            figure.add_trace(
                go.Bar(
                    x=[gained for _, gained in mine],
                    y=[label for label, _ in mine],
                    orientation="h",
                    name=account_name(names, key),
                )
            )
        figure.update_layout(barmode="stack", yaxis={"categoryorder": "array", "categoryarray": labels})
    figure.update_layout(height=max(300, 40 * len(top) + 100), margin={"l": 300})
    charts.add(f"Top {TOP_VIDEOS} videos by views gained in the last 7 days", figure)


def retention(db: duckdb.DuckDBPyConnection, charts: Charts, account: tuple[str, str], name: str) -> None:
    best = rows(
        db,
        f"select video_id, title, average_time_watched, completion_rate, duration_seconds "
        f"from {MARTS}.tiktok_organic__video_report "
        f"where source_relation = ? and account_id = ? and computed_from = 'business_videos' "
        f"order by views desc limit 1",
        *account,
    )
    if not best:
        return
    video_id, title, average, completion, duration = best[0]
    curve = rows(
        db,
        f"select cast(breakdown_key as integer) as second, percentage "
        f"from {MARTS}.stg_tiktok_organic__business_video_breakdowns "
        f"where source_relation = ? and video_id = ? and breakdown = 'video_view_retention' "
        f"order by second",
        account[0],
        video_id,
    )
    if not curve:
        return
    figure = go.Figure(
        go.Scatter(
            x=[second for second, _ in curve],
            y=[share for _, share in curve],
            mode="lines",
            fill="tozeroy",
            name="viewers still watching",
            line_color="#25f4ee",
        )
    )
    # TikTok's curve may stop short of the video's end; the average is marked only where it is drawn.
    if average is not None and average <= curve[-1][0]:
        figure.add_vline(x=average, line_dash="dash", annotation_text=f"average watch {average:.1f} s")
    figure.update_layout(xaxis_title="second", yaxis_title="share of viewers", yaxis_tickformat=".0%")
    watch = [f"{duration or 0:.0f} s long"]
    if average is not None:
        watch.append(f"watched {average:.0f} s on average")
    if completion is not None:
        watch.append(f"{completion:.0%} to the end")
    charts.add(
        f"{name}: retention of the most viewed video", figure, f"“{short(title, 60)}”: {', '.join(watch)}"
    )


def audience(db: duckdb.DuckDBPyConnection, charts: Charts, account: tuple[str, str], name: str) -> None:
    for dimension, title in (("country", "country"), ("age", "age")):
        shares = rows(
            db,
            f"select dimension_value, share from {MARTS}.tiktok_organic__audience "
            f"where source_relation = ? and account_id = ? and dimension = ? order by share desc",
            *account,
            dimension,
        )
        if dimension == "age":
            shares.sort(key=lambda row: row[0])
        if shares:
            figure = go.Figure(
                go.Bar(x=[v for v, _ in shares], y=[s for _, s in shares], marker_color="#7b61ff")
            )
            figure.update_layout(yaxis_tickformat=".0%")
            charts.add(f"{name}: followers by {title}", figure)
    online = rows(
        db,
        f"select date_day, cast(dimension_value as integer) as hour, followers_online "
        f"from {MARTS}.tiktok_organic__audience "
        f"where source_relation = ? and account_id = ? and dimension = 'online_hour' order by date_day, hour",
        *account,
    )
    if online:
        days = sorted({day for day, _, _ in online})
        grid: list[list[int | None]] = [[None] * 24 for _ in days]
        for day, hour, count in online:
            grid[days.index(day)][hour] = count
        figure = go.Figure(
            go.Heatmap(
                z=grid,
                x=list(range(24)),
                y=[day.strftime("%a %d %b") for day in days],
                colorscale="Magma",
                colorbar={"title": "followers"},
            )
        )
        figure.update_layout(xaxis_title="hour of the day (UTC)", xaxis_dtick=2)
        charts.add(f"{name}: followers online by hour", figure)


def mentions(db: duckdb.DuckDBPyConnection, charts: Charts, account: tuple[str, str], name: str) -> None:
    """Who talks about the account (the Mentions API): mentions per day, the creators whose
    mentioning posts drew the most views, and the top hashtags and words of those posts."""
    days = rows(
        db,
        f"select date_day, mentioned_posts, comment_mentions from {MARTS}.tiktok_organic__mentions_daily "
        f"where source_relation = ? and account_id = ? order by date_day",
        *account,
    )
    charts.heading(f"Who talks about {name}")
    if not days:
        charts.note(
            "Who talks about the account comes from TikTok's Mentions API: sync with Include Mentions "
            "on (include_mentions) to see it."
        )
        return
    per_day = go.Figure()
    per_day.add_trace(go.Bar(x=[d[0] for d in days], y=[d[1] for d in days], name="posts mentioning"))
    per_day.add_trace(go.Bar(x=[d[0] for d in days], y=[d[2] for d in days], name="comments mentioning"))
    per_day.update_layout(barmode="stack")
    charts.add(
        f"{name}: mentions per day", per_day, "posts and comments that mention the account, by day posted"
    )
    creators = rows(
        db,
        f"select creator_handle_name, sum(coalesce(views, 0)) as views "
        f"from {MARTS}.stg_tiktok_organic__business_mentioned_posts "
        f"where source_relation = ? and account_id = ? and creator_handle_name is not null "
        f"group by 1 having sum(coalesce(views, 0)) > 0 order by views desc, 1 limit {TOP_VIDEOS}",
        *account,
    )
    if creators:
        creators.reverse()  # the most viewed on top
        figure = go.Figure(
            go.Bar(x=[c[1] for c in creators], y=[f"@{c[0]}" for c in creators], orientation="h")
        )
        figure.update_layout(height=max(300, 40 * len(creators) + 100), margin={"l": 200})
        charts.add(
            f"{name}: top mentioning creators by views",
            figure,
            "views of their posts that mention the account",
        )
    for kind, plural in (("hashtag", "hashtags"), ("word", "words")):
        terms = rows(
            db,
            f"select term, mentions from {MARTS}.stg_tiktok_organic__business_mention_keywords "
            f"where source_relation = ? and account_id = ? and kind = ? and date_day = ("
            f"select max(date_day) from {MARTS}.stg_tiktok_organic__business_mention_keywords "
            f"where source_relation = ? and account_id = ? and kind = ?) order by mentions desc, term",
            *account,
            kind,
            *account,
            kind,
        )
        if not terms:
            continue
        shown = [("#" if kind == "hashtag" else "") + term for term, _ in terms]
        figure = go.Figure(go.Bar(x=shown, y=[count for _, count in terms]))
        charts.add(
            f"{name}: top {plural} in mentions",
            figure,
            "in the captions of the mentioning posts, as last read",
        )


def page(label: str, body: list[str]) -> str:
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>TikTok organic report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 2em;
       color: #161823; background: #fafafa; }}
h1 {{ margin-bottom: 0.2em; }} .source {{ color: #666; margin-top: 0; }}
.chart {{ background: white; border-radius: 8px; box-shadow: 0 1px 3px #0002; margin: 1em 0;
          padding: 0.5em; }}
.note {{ color: #666; font-style: italic; }}
</style></head>
<body><h1>TikTok organic report</h1>
<p class="source">{html.escape(label)} · generated {generated} · dbt_tiktok_organic marts</p>
{"".join(body)}
</body></html>
"""


def render(db_path: Path, label: str) -> str:
    db = duckdb.connect(str(db_path), read_only=True)
    try:
        charts = Charts()
        names = account_names(db)
        charts.heading("Growth")
        growth(db, charts, names)
        charts.heading("What works")
        top_videos(db, charts, names)
        business = rows(
            db,
            f"select distinct source_relation, account_id from {MARTS}.tiktok_organic__video_report "
            f"where computed_from = 'business_videos' order by 1, 2",
        )
        if not business:
            charts.note(
                "Watch time, retention, audience and online hours come from the API for Business: "
                "sync with business credentials (bash scripts/sync.sh --report --business) to see them."
            )
        # Each account of each connection apart (a business connection may read several).
        for source, account in sorted(business, key=lambda key: account_name(names, key)):
            name = account_name(names, (source, account))
            retention(db, charts, (source, account), name)
            charts.heading(f"Who watches {name}")
            audience(db, charts, (source, account), name)
            mentions(db, charts, (source, account), name)
        return page(label, charts.parts)
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.report.render")
    parser.add_argument("--db-path", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--label", default="", help="where the data came from")
    args = parser.parse_args()
    args.output.write_text(render(args.db_path, args.label), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
