"""The demo company: a catalog, CSV exports and a SQLite warehouse, written relative to a day.

`write_demo(directory, today)` writes a company whose numbers are designed so that, at
`today`, the dashboard shows every state a key result can be in.

What the catalog holds
----------------------
Kestrel, a small B2B software company. Sources: `helpdesk` (CSV: tickets_YYYY-MM.csv,
csat_YYYY-MM.csv), `product` (CSV: signups_YYYY-MM.csv, invites_YYYY-MM.csv), `surveys`
(CSV: nps_YYYY-MM.csv) and `warehouse` (SQLite: deals, deployments, service_uptime).
Objectives run over the quarter containing `today`, except one over the previous quarter
and one over the next.

The catalog text depends only on the quarter of `today` (its cycles and checkpoint dates),
never on the day inside it: the committed `metrics.yml` stays what `okr demo` writes for
every day of its quarter. The data depends on the day: it ends yesterday, so the demo
always looks live, and `okr demo` rewrites the catalog with it.

Which key result shows which state, and why
-------------------------------------------
Each KR has a designed value at `today`, set from τ (the share of the quarter gone: 55/91
= 0.604 on 2026-11-25) and the default tolerance (at_risk 0.10, off_track 0.25). The
generator puts exactly that value in the data: ratios by spreading outcomes evenly over
days, sums and averages by calibrating the KR's window. Daily paths start two weeks before
the quarter, so 28-day trailing values (which lag by two weeks) rise in a straight line
from the start and the forecast (a line through them) agrees with the status. The numbers
below are those of 2026-11-25 (g = gap, p = progress, as in SPEC §4).

==================  ===========  ==========================================================
key result          state        why
==================  ===========  ==========================================================
csat-emea           on_track     EMEA CSAT 78 → 88 (trailing 28d), designed at pace + 0.04:
                                 84.4 against an expected 84.0.
first-response      achieved     9h → 4h: a new on-call rota, in place a week before the
                                 quarter, keeps replies at ~3.4h: p = 1.13.
activation-7d       on_track     38% → 50% through checkpoints 41% and 45% at the ends of
                                 the first two months; climbs steadily, ahead of the
                                 back-loaded plan: 45.0% against 44.3%, g = +0.06.
invites             no_data      reads invites_*.csv, an export switched on this month:
                                 its first file holds only the header, so no value.
nps                 on_track,    NPS 31 → 45 (aspirational, trailing 28d), at pace + 0.03:
                    stale        39.9. The surveys export stopped 7 days ago and the
                                 metric's freshness is 2d, so the KR is marked stale.
arr-booked          at_risk      EUR 0 → 1.2M this quarter (to_date); booked
                                 1.2M·(τ − 0.17) = EUR 521,270: g = −0.17.
win-rate            off_track    22% → 30% (trailing 28d): a competitor's price cut took it
                                 from 22.8% to 21.5% in the first month: p = −0.06, g = −0.66.
uptime              on_track     '>= 99.9' over 28 days: one 17-minute API outage 9 days ago
                                 leaves 99.956%; a 52-minute one 40 days ago broke the
                                 level for four weeks (grade ≈ 0.5).
lead-time           on_track,    52h → 24h: a faster pipeline landed five weeks before the
                    drifting     quarter; since then lead time creeps by 0.2 of the span a
                                 quarter. On pace today (35.9h, g = −0.03), but the
                                 forecast ends near 33.5h, far short of 24h.
change-failure      at_risk      baseline `auto`: 17.7% over the 28 days ending on the start;
                                 → 10%; designed at pace − 0.175: 14.2%, g = −0.15.
playbook-win-rate   achieved     previous quarter, 18% → 22%: 22.9% over its last 28 days.
playbook-arr        missed       previous quarter, EUR 0 → 900k: booked 780k, p = 0.87.
deploys-per-week,   not_started  next quarter.
lead-time-next
==================  ===========  ==========================================================

Drifting as well (behind pace, and their trend ends short): arr-booked, win-rate and
change-failure. Objectives: customer-love off_track, support-cx and activation on_track,
reliability at_risk, sales-playbook missed, smaller-changes not_started.

These states hold from about four weeks into a quarter until its last days. Earlier, paces
and gaps are still small and most KRs read on_track (win-rate reads at_risk until about
day 34); near the end, the on-pace KRs reach their targets.

Broken rows
-----------
The helpdesk export of the month before `today`'s has three broken rows, listed by
`broken_rows(today)`, so the Data health page has quarantined rows to show.
"""

from __future__ import annotations

import math
import random
import sqlite3
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from okr.cycles import cycle_of, parse_cycle

__all__ = ["BrokenRow", "broken_rows", "catalog_text", "write_demo"]

# How far back the exports go; covers the whole previous quarter and 28 days before it.
HISTORY_DAYS = 200
# The surveys export stopped this many days before `today` (the stale source).
SURVEYS_STOPPED_DAYS_AGO = 7
SEED = 20261001
TRAILING_DAYS = 28
LEAD_IN_DAYS = 14

CATALOG_FILE = "metrics.yml"
EXPORTS = "data/exports"
WAREHOUSE_FILE = "data/warehouse.db"
# The files each CSV source's export writes, as glob patterns: cleared before writing.
EXPORT_PATTERNS = {
    "helpdesk": ("tickets_*.csv", "csat_*.csv"),
    "product": ("signups_*.csv", "invites_*.csv"),
    "surveys": ("nps_*.csv",),
}
REGIONS = ("EMEA", "NA", "APAC")
REGION_WEIGHTS = (0.42, 0.40, 0.18)


@dataclass(frozen=True)
class BrokenRow:
    """A deliberately broken CSV row: `file` relative to the demo folder, 1-based `line`."""

    file: str
    line: int
    text: str
    problem: str


def write_demo(directory: Path, today: date | None = None) -> Path:
    """Write the demo company into `directory`; returns the path of its catalog.

    Writes `metrics.yml`, `data/exports/<source>/*.csv` and `data/warehouse.db`, replacing
    earlier demo files (other files in those folders are left alone). `today` defaults to
    the current date in UTC, the catalog's timezone; data runs up to the day before.
    """
    today = today or datetime.now(UTC).date()
    directory = Path(directory)
    timeline = _Timeline(today)
    rng = random.Random(SEED)

    tickets, answers = _helpdesk(timeline, rng)
    signups = _signups(timeline, rng)
    responses = _nps_responses(timeline, rng)
    deals = _deals(timeline, rng)
    deployments = _deployments(timeline, rng)
    uptime = _service_uptime(timeline, rng)

    exports = directory / EXPORTS
    for source, patterns in EXPORT_PATTERNS.items():
        _clear(exports / source, patterns)
    broken = _broken_rows_by_file(today)
    _write_monthly(exports / "helpdesk", "tickets", TICKET_COLUMNS, tickets, broken)
    _write_monthly(exports / "helpdesk", "csat", ANSWER_COLUMNS, answers, broken)
    _write_monthly(exports / "product", "signups", SIGNUP_COLUMNS, signups, broken)
    # The invites export was switched on this month: its first file has no rows yet.
    invites = exports / "product" / f"invites_{today.strftime('%Y-%m')}.csv"
    invites.write_text(",".join(INVITE_COLUMNS) + "\n", encoding="utf-8")
    _write_monthly(exports / "surveys", "nps", NPS_COLUMNS, responses, broken)
    _write_warehouse(
        directory / WAREHOUSE_FILE,
        {"deals": deals, "deployments": deployments, "service_uptime": uptime},
    )
    catalog = directory / CATALOG_FILE
    catalog.write_text(catalog_text(today), encoding="utf-8")
    return catalog


def catalog_text(today: date) -> str:
    """The demo's `metrics.yml` for the quarter containing `today` (same for all its days)."""
    now = Quarter.containing(today)
    first_checkpoint, second_checkpoint = now.month_ends()[:2]
    return _CatalogTemplate(CATALOG_TEMPLATE).substitute(
        previous=now.previous().label,
        now=now.label,
        next=now.following().label,
        first_checkpoint=first_checkpoint.isoformat(),
        second_checkpoint=second_checkpoint.isoformat(),
        first_value=f"{ACTIVATION_CHECKPOINTS[0]:.2f}",
        second_value=f"{ACTIVATION_CHECKPOINTS[1]:.2f}",
    )


def broken_rows(today: date) -> tuple[BrokenRow, ...]:
    """The broken rows `write_demo(directory, today)` puts in the helpdesk export."""
    month_before = today.replace(day=1) - timedelta(days=1)
    stamp = month_before.strftime("%Y-%m")
    folder = f"{EXPORTS}/helpdesk"
    return (
        BrokenRow(
            f"{folder}/tickets_{stamp}.csv",
            12,
            f"T-BROKEN-1,{month_before.strftime('14/%m/%Y')} 09:15,EMEA,email,normal,3.10",
            "created_at is day/month/year, not an ISO date",
        ),
        BrokenRow(
            f"{folder}/tickets_{stamp}.csv",
            25,
            f"T-BROKEN-2,{stamp}-15 10:02:00,NA",
            "a short line: 3 of 6 columns",
        ),
        BrokenRow(
            f"{folder}/csat_{stamp}.csv",
            8,
            f'T-BROKEN-3,{stamp}-16 11:30:00,APAC,"87,5"',
            "score has a decimal comma",
        ),
    )


# ---------------------------------------------------------------------------------------
# Calendar


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: its label ('2026-Q4') and first and last days."""

    label: str
    start: date
    end: date

    @classmethod
    def containing(cls, day: date) -> Quarter:
        label = cycle_of(day, "Q")
        start, end = parse_cycle(label)
        return cls(label, start, end)

    def previous(self) -> Quarter:
        return Quarter.containing(self.start - timedelta(days=1))

    def following(self) -> Quarter:
        return Quarter.containing(self.end + timedelta(days=1))

    def elapsed(self, day: date) -> float:
        """τ of SPEC §4 for a KR spanning this quarter."""
        share = (day - self.start).days / (self.end - self.start).days
        return min(1.0, max(0.0, share))

    def month_ends(self) -> tuple[date, date, date]:
        first = self.start
        ends = []
        for months in (1, 2, 3):
            index = first.month - 1 + months
            next_first = date(first.year + index // 12, index % 12 + 1, 1)
            ends.append(next_first - timedelta(days=1))
        return tuple(ends)


class _Timeline:
    """The days the exports cover and the quarters the catalog's objectives run over."""

    def __init__(self, today: date):
        self.today = today
        self.now = Quarter.containing(today)
        self.previous = self.now.previous()
        self.first = today - timedelta(days=HISTORY_DAYS)
        self.last = today - timedelta(days=1)
        self.days = [self.first + timedelta(days=i) for i in range(HISTORY_DAYS)]
        self.tau = self.now.elapsed(today)
        # The trailing window a KR reads at `today`: the 28 days ending on it.
        self.window = (today - timedelta(days=TRAILING_DAYS - 1), today)

    def in_window(self, day: date) -> bool:
        return self.window[0] <= day <= self.window[1]

    def since_start(self, day: date) -> float:
        """Days since the current quarter started; 0 before it."""
        return float(max(0, (day - self.now.start).days))

    def lead_in(self, day: date) -> float:
        """Days since two weeks before the quarter started; 0 before that.

        A 28-day trailing window lags its daily values by two weeks: a daily path that
        starts rising two weeks early reads as a straight line from the quarter's start.
        """
        return float(max(0, (day - self.now.start).days + LEAD_IN_DAYS))

    def ramp(self, day: date, begin: int, days: int) -> float:
        """0 until `begin` days after the quarter's start, then rising to 1 over `days` days."""
        return min(1.0, max(0.0, ((day - self.now.start).days - begin) / days))


def _solve_gain(
    timeline: _Timeline,
    weights: Mapping[date, float],
    shape: Callable[[date], float],
    target: float,
    cap: float,
) -> float:
    """k such that the weighted mean of k·shape over the trailing window is `target`.

    Trailing windows lag a rising path by half their length, so a path that should read
    `target` at `today` has to run ahead of it; the gain is capped to stay believable.
    """
    days = [d for d in weights if timeline.in_window(d)]
    total = sum(weights[d] for d in days)
    mean_shape = sum(weights[d] * shape(d) for d in days) / total if total else 0.0
    if mean_shape <= 0:
        return 0.0
    return min(cap, max(0.0, target / mean_shape))


def _spread(accumulator: float, expected: float) -> tuple[int, float]:
    """Outcomes spread evenly over days (error diffusion): (count today, carried remainder).

    Any window's share of outcomes is then within one outcome of its designed share,
    which keeps designed ratios exact without giving up day-to-day texture.
    """
    accumulator += expected
    count = math.floor(accumulator)
    return count, accumulator - count


def _timestamp(day: date, rng: random.Random, busy_hours: Sequence[float]) -> datetime:
    hour = rng.choices(range(24), weights=busy_hours)[0]
    return datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))


def _text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _noise(rng: random.Random, sigma: float) -> float:
    """A multiplicative noise factor with mean 1."""
    return rng.lognormvariate(-sigma * sigma / 2, sigma)


# Share of the day's events by hour (UTC): office hours across EMEA and NA.
OFFICE_HOURS = (1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 9, 10, 11, 11, 10, 8, 6, 4, 3, 2, 1, 1)


# ---------------------------------------------------------------------------------------
# helpdesk: tickets and CSAT answers

TICKET_COLUMNS = (
    "ticket_id",
    "created_at",
    "region",
    "channel",
    "priority",
    "first_response_hours",
)
ANSWER_COLUMNS = ("ticket_id", "answered_at", "region", "score")

CSAT_EMEA = (78.0, 88.0)  # the csat-emea KR's baseline and target
CSAT_EMEA_GAP = 0.04
FIRST_RESPONSE = (9.0, 4.0)
FIRST_RESPONSE_REACHED = 1.12  # progress the new on-call rota settles at
CSAT_SHARE = 0.27  # tickets whose customer answers the survey


def _helpdesk(timeline: _Timeline, rng: random.Random) -> tuple[list[list[str]], list[list[str]]]:
    counts = {}
    for day in timeline.days:
        growth = 1 + 0.12 * (day - timeline.first).days / HISTORY_DAYS
        weekday = day.weekday() < 5
        counts[day] = round(rng.randint(95, 125) * growth if weekday else rng.randint(30, 45))

    tickets: list[list[str]] = []
    answers: list[tuple[datetime, str, str]] = []
    base, target = FIRST_RESPONSE
    number = 41000
    for day in timeline.days:
        progress = FIRST_RESPONSE_REACHED * timeline.ramp(day, -35, 28)
        hours = base + (target - base) * progress
        # Weekends run on a skeleton crew: slower replies.
        hours *= 1.25 if day.weekday() >= 5 else 0.96
        for _ in range(counts[day]):
            number += 1
            created = _timestamp(day, rng, OFFICE_HOURS)
            region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
            regional = {"EMEA": 1.0, "NA": 0.92, "APAC": 1.18}[region]
            channel = rng.choices(("email", "chat", "phone"), weights=(0.55, 0.35, 0.10))[0]
            priority = rng.choices(("low", "normal", "high", "urgent"), weights=(3, 10, 4, 1))[0]
            first_response = hours * regional * _noise(rng, 0.55)
            ticket_id = f"T-{number}"
            tickets.append(
                [ticket_id, _text(created), region, channel, priority, f"{first_response:.2f}"]
            )
            if rng.random() < CSAT_SHARE:
                answered = created + timedelta(hours=first_response + rng.uniform(1, 20))
                if answered.date() <= timeline.last:
                    answers.append((answered, ticket_id, region))

    answers.sort()
    scored = _csat_scores(timeline, rng, answers)
    return tickets, scored


def _csat_scores(
    timeline: _Timeline, rng: random.Random, answers: list[tuple[datetime, str, str]]
) -> list[list[str]]:
    """Scores 0-100 around each region's daily level; EMEA's trailing mean lands on its design.

    Scores skew like real surveys: most answers near the top, a long tail of unhappy ones.
    Each day's draws are scaled to average exactly its level plus that day's mood, so the
    trend stays readable through the noise.
    """
    base, target = CSAT_EMEA
    groups: dict[tuple[date, str], list[int]] = {}
    for index, (moment, _, region) in enumerate(answers):
        groups.setdefault((moment.date(), region), []).append(index)
    emea_days = {day: len(group) for (day, region), group in groups.items() if region == "EMEA"}
    designed = timeline.tau + CSAT_EMEA_GAP
    gain = _solve_gain(timeline, emea_days, timeline.lead_in, designed, cap=2.5 / 91)

    def level(region: str, day: date) -> float:
        if region == "EMEA":
            return base + (target - base) * gain * timeline.lead_in(day)
        tau = timeline.now.elapsed(day) if day >= timeline.now.start else 0.0
        return {"NA": 83.0 + 2.0 * tau, "APAC": 73.5 + 1.0 * tau}[region]

    scores = [0.0] * len(answers)
    for (day, region), group in groups.items():
        day_level = level(region, day) + rng.gauss(0, 1.0)
        unhappiness = [rng.lognormvariate(0, 0.9) for _ in group]
        scale = len(group) / sum(unhappiness)
        for index, draw in zip(group, unhappiness, strict=True):
            scores[index] = max(0.0, 100 - (100 - day_level) * draw * scale)

    # Calibrate: the EMEA answers in the trailing window average exactly the designed value.
    # The correction grows along the lead-in like the path itself, so the trend stays straight.
    emea = [i for i, (_, _, region) in enumerate(answers) if region == "EMEA"]
    in_window = [i for i in emea if timeline.in_window(answers[i][0].date())]
    if in_window:
        wanted = base + (target - base) * designed
        lead_ins = {i: timeline.lead_in(answers[i][0].date()) for i in emea}
        mean_lead_in = sum(lead_ins[i] for i in in_window) / len(in_window)
        for _ in range(3):
            shift = wanted - sum(round(scores[i]) for i in in_window) / len(in_window)
            for i in emea:
                weight = lead_ins[i] / mean_lead_in if mean_lead_in else 1.0
                scores[i] = min(100.0, max(0.0, scores[i] + shift * weight))
    return [
        [ticket_id, _text(moment), region, str(round(score))]
        for (moment, ticket_id, region), score in zip(answers, scores, strict=True)
    ]


# ---------------------------------------------------------------------------------------
# product: signups and their 7-day activation

SIGNUP_COLUMNS = ("workspace_id", "signed_up_at", "plan", "region", "activated_7d")
INVITE_COLUMNS = ("workspace_id", "signed_up_at", "invited_7d")
ACTIVATION = (0.38, 0.50)
ACTIVATION_CHECKPOINTS = (0.41, 0.45)  # at the ends of the quarter's first two months
ACTIVATION_GAP = 0.05


def _activation_plan(timeline: _Timeline) -> Callable[[date], float]:
    """The activation KR's pace as progress (0 at start, 1 at end), through its checkpoints."""
    base, target = ACTIVATION
    quarter = timeline.now
    knots = [(quarter.start, 0.0)]
    for when, value in zip(quarter.month_ends()[:2], ACTIVATION_CHECKPOINTS, strict=True):
        knots.append((when, (value - base) / (target - base)))
    knots.append((quarter.end, 1.0))

    def plan(day: date) -> float:
        if day <= quarter.start:
            return 0.0
        for (day0, p0), (day1, p1) in zip(knots, knots[1:], strict=False):
            if day <= day1:
                return p0 + (p1 - p0) * (day - day0).days / (day1 - day0).days
        return 1.0

    return plan


def _signups(timeline: _Timeline, rng: random.Random) -> list[list[str]]:
    counts = {
        day: rng.randint(36, 50) if day.weekday() < 5 else rng.randint(14, 22)
        for day in timeline.days
    }
    base, target = ACTIVATION
    plan = _activation_plan(timeline)
    # Activation climbs steadily while the plan is back-loaded: ahead of it all quarter.
    designed = plan(timeline.today) + ACTIVATION_GAP
    gain = _solve_gain(timeline, counts, timeline.lead_in, designed, cap=2.5 / 91)

    rows: list[list[str]] = []
    carried = rng.random()
    number = 7300
    for day in timeline.days:
        rate = base + (target - base) * gain * timeline.lead_in(day)
        activated, carried = _spread(carried, counts[day] * rate)
        chosen = set(rng.sample(range(counts[day]), activated))
        moments = sorted(_timestamp(day, rng, OFFICE_HOURS) for _ in range(counts[day]))
        for index, moment in enumerate(moments):
            number += 1
            plan_name = rng.choices(("free", "team", "business"), weights=(6, 3, 1))[0]
            region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
            flag = "1" if index in chosen else "0"
            rows.append([f"W-{number}", _text(moment), plan_name, region, flag])
    return rows


# ---------------------------------------------------------------------------------------
# surveys: NPS responses (the export stopped a week ago: the stale source)

NPS_COLUMNS = ("response_id", "responded_at", "workspace_id", "score")
NPS = (31.0, 45.0)
NPS_GAP = 0.02
PASSIVE_SHARE = 0.30


def _nps_responses(timeline: _Timeline, rng: random.Random) -> list[list[str]]:
    stopped = timeline.today - timedelta(days=SURVEYS_STOPPED_DAYS_AGO)
    days = [day for day in timeline.days if day <= stopped]
    counts = {day: rng.randint(9, 17) for day in days}
    base, target = NPS
    gain = _solve_gain(timeline, counts, timeline.lead_in, timeline.tau + NPS_GAP, cap=2.5 / 91)
    rows: list[list[str]] = []
    promoters_carried, detractors_carried = rng.random(), rng.random()
    number = 900
    for day in days:
        score = base + (target - base) * gain * timeline.lead_in(day)
        # promoters − detractors = NPS/100, promoters + detractors = 1 − passives
        promoter_share = (1 - PASSIVE_SHARE + score / 100) / 2
        detractor_share = (1 - PASSIVE_SHARE - score / 100) / 2
        promoters, promoters_carried = _spread(promoters_carried, counts[day] * promoter_share)
        detractors, detractors_carried = _spread(detractors_carried, counts[day] * detractor_share)
        passives = max(0, counts[day] - promoters - detractors)
        scores = (
            [rng.choice((9, 10)) for _ in range(promoters)]
            + [rng.choice((7, 8)) for _ in range(passives)]
            + [rng.choice((0, 2, 3, 4, 5, 5, 6, 6, 6)) for _ in range(detractors)]
        )
        rng.shuffle(scores)
        moments = sorted(_timestamp(day, rng, OFFICE_HOURS) for _ in scores)
        for moment, value in zip(moments, scores, strict=True):
            number += 1
            workspace = f"W-{rng.randint(1000, 7300)}"
            rows.append([f"R-{number}", _text(moment), workspace, str(value)])
    return rows


# ---------------------------------------------------------------------------------------
# warehouse: deals, deployments, service uptime

WIN_RATE_BEFORE = 0.18  # before the previous quarter's sales playbook
WIN_RATE_PLAYBOOK = 0.228  # reached six weeks into the previous quarter
WIN_RATE_SLIP = 0.013
ARR = 1_200_000.0
ARR_GAP = -0.17
ARR_PREVIOUS_QUARTER = 780_000.0


def _deals(timeline: _Timeline, rng: random.Random) -> list[tuple]:
    previous = timeline.previous
    counts = {
        day: rng.randint(9, 15) if day.weekday() < 5 else rng.choice((0, 0, 0, 1))
        for day in timeline.days
    }
    deals: list[list] = []
    carried = rng.random()
    for day in timeline.days:
        if day < previous.start:
            rate = WIN_RATE_BEFORE
        elif day < timeline.now.start:
            weeks_in = min(1.0, (day - previous.start).days / 42)
            rate = WIN_RATE_BEFORE + (WIN_RATE_PLAYBOOK - WIN_RATE_BEFORE) * weeks_in
        else:
            # A competitor's price cut: the win rate slips in the quarter's first month.
            rate = WIN_RATE_PLAYBOOK - WIN_RATE_SLIP * timeline.ramp(day, 0, 28)
        won, carried = _spread(carried, counts[day] * rate)
        outcomes = ["won"] * won + ["lost"] * (counts[day] - won)
        rng.shuffle(outcomes)
        moments = sorted(_timestamp(day, rng, OFFICE_HOURS) for _ in outcomes)
        for moment, stage in zip(moments, outcomes, strict=True):
            amount = round(rng.lognormvariate(math.log(4200), 0.65), -1)
            region = rng.choices(REGIONS, weights=REGION_WEIGHTS)[0]
            deals.append([moment, stage, amount, region])

    booked_now = max(0.0, ARR * (timeline.tau + ARR_GAP))
    _book(deals, previous.start, previous.end, ARR_PREVIOUS_QUARTER)
    _book(deals, timeline.now.start, timeline.last, round(booked_now, -1))
    return [
        (i + 1, _text(moment), stage, amount, region)
        for i, (moment, stage, amount, region) in enumerate(deals)
    ]


def _book(deals: list[list], first: date, last: date, total: float) -> None:
    """Scale the won deals closed in [first, last] so their amounts add up to `total`."""
    won = [deal for deal in deals if deal[1] == "won" and first <= deal[0].date() <= last]
    booked = sum(deal[2] for deal in won)
    if not won or booked <= 0:
        return
    for deal in won:
        deal[2] = max(10.0, round(deal[2] * total / booked, -1))
    largest = max(won, key=lambda deal: deal[2])
    largest[2] += total - sum(deal[2] for deal in won)


LEAD_TIME = (52.0, 24.0)
LEAD_TIME_GAP = -0.03
# A faster pipeline landed five weeks before the quarter; since then lead time only creeps,
# by this much progress per quarter: on pace today, short of the target at the end (drift).
LEAD_TIME_CREEP = 0.2
CHANGE_FAILURE_BEFORE = 0.18
CHANGE_FAILURE_TARGET = 0.10
CHANGE_FAILURE_GAP = -0.175
SERVICES = ("api", "web", "worker", "billing")


def _deployments(timeline: _Timeline, rng: random.Random) -> list[tuple]:
    def deploys_on(day: date) -> int:
        if day.weekday() >= 5:
            return rng.choice((0, 0, 0, 1))
        return rng.randint(4, 7) if day.weekday() == 4 else rng.randint(7, 10)

    counts = {day: deploys_on(day) for day in timeline.days}
    quarter_length = (timeline.now.end - timeline.now.start).days

    def pipeline(day: date) -> float:
        return timeline.ramp(day, -35, 7)

    def creep(day: date) -> float:
        return LEAD_TIME_CREEP * timeline.since_start(day) / quarter_length

    lead_designed = timeline.tau + LEAD_TIME_GAP
    jump = _solve_gain(
        timeline, counts, pipeline, lead_designed - _window_mean(timeline, counts, creep), cap=0.9
    )
    failure_gain = _solve_gain(
        timeline,
        counts,
        timeline.lead_in,
        timeline.tau + CHANGE_FAILURE_GAP,
        cap=2.0 / quarter_length,
    )

    base, target = LEAD_TIME
    rows: list[list] = []
    carried = rng.random()
    for day in timeline.days:
        hours = base + (target - base) * (jump * pipeline(day) + creep(day))
        failure_rate = CHANGE_FAILURE_BEFORE + (
            CHANGE_FAILURE_TARGET - CHANGE_FAILURE_BEFORE
        ) * failure_gain * timeline.lead_in(day)
        failures, carried = _spread(carried, counts[day] * failure_rate)
        failed = set(rng.sample(range(counts[day]), failures))
        moments = sorted(_timestamp(day, rng, OFFICE_HOURS) for _ in range(counts[day]))
        for index, moment in enumerate(moments):
            service = rng.choices(SERVICES, weights=(4, 3, 2, 1))[0]
            lead_time = hours * _noise(rng, 0.5)
            rows.append([moment, service, lead_time, 1 if index in failed else 0])

    _calibrate_lead_time(timeline, rows, base + (target - base) * lead_designed)
    _calibrate_change_failures(timeline, rows, rng)
    return [
        (i + 1, _text(moment), service, round(lead_time, 2), failed)
        for i, (moment, service, lead_time, failed) in enumerate(rows)
    ]


def _calibrate_lead_time(timeline: _Timeline, rows: list[list], wanted: float) -> None:
    """Scale the trailing window's lead times so that their mean is exactly `wanted`."""
    in_window = [row for row in rows if timeline.in_window(row[0].date())]
    if in_window:
        factor = wanted / (sum(row[2] for row in in_window) / len(in_window))
        for row in in_window:
            row[2] *= factor


def _calibrate_change_failures(timeline: _Timeline, rows: list[list], rng: random.Random) -> None:
    """Flip failure flags in the trailing window so it reads exactly its design.

    The KR's baseline is `auto`, the rate over the 28 days ending on the quarter's start,
    so the design is relative to what the data says that rate is.
    """
    start = timeline.now.start
    before = [
        row[3]
        for row in rows
        if start - timedelta(days=TRAILING_DAYS - 1) <= row[0].date() <= start
    ]
    in_window = [row for row in rows if timeline.in_window(row[0].date()) and row[0].date() > start]
    if not before or not in_window:
        return
    auto = sum(before) / len(before)
    designed = auto + (CHANGE_FAILURE_TARGET - auto) * (timeline.tau + CHANGE_FAILURE_GAP)
    window = [row for row in rows if timeline.in_window(row[0].date())]
    missing = round(designed * len(window)) - sum(row[3] for row in window)
    flip_from = 0 if missing > 0 else 1
    candidates = [row for row in in_window if row[3] == flip_from]
    for row in rng.sample(candidates, min(abs(missing), len(candidates))):
        row[3] = 1 - flip_from


def _window_mean(
    timeline: _Timeline, weights: Mapping[date, float], shape: Callable[[date], float]
) -> float:
    days = [d for d in weights if timeline.in_window(d)]
    total = sum(weights[d] for d in days)
    return sum(weights[d] * shape(d) for d in days) / total if total else 0.0


# The API's outages, in days before `today` and minutes down. The 52-minute one broke the
# 99.9% level for 28 days; the 17-minute one 9 days ago leaves it holding (99.96%).
API_OUTAGES = {150: 47, 96: 130, 61: 22, 40: 52, 9: 17}


def _service_uptime(timeline: _Timeline, rng: random.Random) -> list[tuple]:
    rows = []
    outages = {
        timeline.today - timedelta(days=ago): minutes for ago, minutes in API_OUTAGES.items()
    }
    for day in timeline.days:
        for service in ("api", "web", "worker"):
            if service == "api":
                down = outages.get(day, 0)
            else:
                down = rng.choice((0,) * 12 + (1, 2, 4, 9, 25))
            rows.append((day.isoformat(), service, 1440, down))
    return rows


# ---------------------------------------------------------------------------------------
# Writing files


def _clear(folder: Path, patterns: Sequence[str]) -> None:
    for pattern in patterns:
        for path in folder.glob(pattern):
            path.unlink()


def _broken_rows_by_file(today: date) -> dict[str, dict[int, str]]:
    by_file: dict[str, dict[int, str]] = {}
    for row in broken_rows(today):
        by_file.setdefault(Path(row.file).name, {})[row.line] = row.text
    return by_file


def _write_monthly(
    folder: Path,
    prefix: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    broken: Mapping[str, Mapping[int, str]],
) -> None:
    """One file per month, `prefix_YYYY-MM.csv`, by the month of each row's second column."""
    folder.mkdir(parents=True, exist_ok=True)
    months: dict[str, list[str]] = {}
    for row in rows:
        months.setdefault(row[1][:7], []).append(",".join(row))
    for month, lines in months.items():
        name = f"{prefix}_{month}.csv"
        lines = [",".join(columns), *lines]
        for line_number, text in sorted(broken.get(name, {}).items()):
            lines.insert(line_number - 1, text)
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


WAREHOUSE_SCHEMA = {
    "deals": "id INTEGER PRIMARY KEY, closed_at TEXT NOT NULL, stage TEXT NOT NULL, "
    "amount_eur REAL NOT NULL, region TEXT NOT NULL",
    "deployments": "id INTEGER PRIMARY KEY, deployed_at TEXT NOT NULL, service TEXT NOT NULL, "
    "lead_time_hours REAL NOT NULL, caused_incident INTEGER NOT NULL",
    "service_uptime": "day TEXT NOT NULL, service TEXT NOT NULL, minutes_total INTEGER NOT NULL, "
    "minutes_down INTEGER NOT NULL, PRIMARY KEY (day, service)",
}


def _write_warehouse(path: Path, tables: Mapping[str, Sequence[tuple]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        with connection:
            for table, rows in tables.items():
                connection.execute(f"CREATE TABLE {table} ({WAREHOUSE_SCHEMA[table]})")
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    finally:
        connection.close()


# ---------------------------------------------------------------------------------------
# The catalog


class _CatalogTemplate(string.Template):
    # `$` is taken by ${VAR} in source URLs.
    delimiter = "@"


CATALOG_TEMPLATE = """\
# The demo company, Kestrel, in the quarter @now. Written by `okr demo`, which also
# writes the exports in data/ up to yesterday, so the dashboard always looks live.
# Rewritten by every `okr demo`: edit a copy to experiment.
version: 1
settings:
  store: data/okr.duckdb
  timezone: UTC
  tolerance: {at_risk: 0.10, off_track: 0.25}

sources:
  helpdesk:
    type: csv
    path: data/exports/helpdesk
    description: Nightly export of the helpdesk, one file per month
  product:
    type: csv
    path: data/exports/product
    description: Product analytics export of new workspaces
  surveys:
    type: csv
    path: data/exports/surveys
    description: In-app NPS survey responses
  warehouse:
    type: sql
    url: ${WAREHOUSE_URL:-sqlite:///data/warehouse.db}
    description: The data warehouse (deals from the CRM, deployments, uptime)

metrics:
  tickets:
    label: Support tickets
    description: Tickets opened
    owner: support-ops
    source: helpdesk
    table: tickets_*.csv
    time: created_at
    agg: count
    dimensions: [region, channel]
    unit: tickets
    freshness: 2d
  first_response:
    label: First-response time
    description: Mean hours from a ticket being opened to its first human reply
    owner: support-ops
    source: helpdesk
    table: tickets_*.csv
    time: created_at
    value: first_response_hours
    agg: avg
    dimensions: [region, channel]
    unit: h
    format: duration
    freshness: 2d
  csat:
    label: Customer satisfaction (CSAT)
    description: Mean post-ticket survey score, 0-100
    owner: support-ops
    source: helpdesk
    table: csat_*.csv
    time: answered_at
    value: score
    agg: avg
    dimensions: [region]
    unit: points
    freshness: 2d
  signups:
    label: New workspaces
    description: Workspaces created
    owner: growth
    source: product
    table: signups_*.csv
    time: signed_up_at
    agg: count
    dimensions: [plan, region]
    unit: workspaces
    freshness: 2d
  activation_7d:
    label: 7-day activation
    description: Share of new workspaces that reach their first shared board within 7 days
    owner: growth
    source: product
    table: signups_*.csv
    time: signed_up_at
    agg: ratio
    numerator: activated_7d
    denominator: "1"
    dimensions: [plan, region]
    format: percent
    freshness: 2d
  invites_per_workspace:
    label: Teammates invited in week one
    description: Mean teammates a new workspace invites in its first 7 days (a new export)
    owner: growth
    source: product
    table: invites_*.csv
    time: signed_up_at
    value: invited_7d
    agg: avg
    unit: people
    freshness: 2d
  nps:
    label: Net Promoter Score
    description: Promoters (9-10) minus detractors (0-6), as points of all responses
    owner: customer-success
    source: surveys
    table: nps_*.csv
    time: responded_at
    agg: ratio
    numerator: "case when score >= 9 then 100 when score <= 6 then -100 else 0 end"
    denominator: "1"
    unit: points
    freshness: 2d
  win_rate:
    label: Win rate
    description: Share of closed deals that were won
    owner: sales-ops
    source: warehouse
    table: deals
    time: closed_at
    agg: ratio
    numerator: "case when stage = 'won' then 1 else 0 end"
    denominator: "1"
    dimensions: [region]
    format: percent
    freshness: 4d
  arr_booked:
    label: New ARR booked
    description: Annual recurring revenue of deals won
    owner: sales-ops
    source: warehouse
    sql: select closed_at as time, amount_eur as value, region from deals where stage = 'won'
    agg: sum
    dimensions: [region]
    unit: EUR
    format: currency
    freshness: 4d
  uptime:
    label: API uptime
    description: Minutes the public API was up, as a percentage of all minutes
    owner: platform
    source: warehouse
    table: service_uptime
    time: day
    agg: ratio
    numerator: "100.0 * (minutes_total - minutes_down)"
    denominator: minutes_total
    filter: "service = 'api'"
    unit: '%'
    freshness: 2d
  lead_time:
    label: Lead time for changes
    description: Mean hours from a change's first commit to its deployment
    owner: platform
    source: warehouse
    table: deployments
    time: deployed_at
    value: lead_time_hours
    agg: avg
    dimensions: [service]
    unit: h
    format: duration
    freshness: 4d
  change_failure_rate:
    label: Change failure rate
    description: Share of deployments that caused an incident
    owner: platform
    source: warehouse
    table: deployments
    time: deployed_at
    agg: ratio
    numerator: caused_incident
    denominator: "1"
    dimensions: [service]
    format: percent
    freshness: 4d
  deploys:
    label: Deployments
    description: Deployments to production, per week
    owner: platform
    source: warehouse
    table: deployments
    time: deployed_at
    agg: count
    dimensions: [service]
    grain: week
    unit: deploys

objectives:
  - id: customer-love
    title: Become the tool our customers recommend
    owner: CEO
    tags: [leadership]
    cycle: @now
    key_results:
      - id: nps
        title: Raise NPS from 31 to 45
        metric: nps
        baseline: 31
        target: 45
        measure: trailing 28d
        commitment: aspirational
        owner: Head of Customer Success
      - id: arr-booked
        title: Book EUR 1.2M of new ARR this quarter
        metric: arr_booked
        baseline: 0
        target: 1200000
        measure: to_date
        owner: VP Sales
      - id: win-rate
        title: Lift the win rate from 22% to 30%
        metric: win_rate
        baseline: 0.22
        target: 0.30
        measure: trailing 28d
        owner: VP Sales

  - id: support-cx
    title: Make support effortless
    owner: Head of Support
    parent: customer-love
    tags: [leadership, support]
    cycle: @now
    key_results:
      - id: csat-emea
        title: Raise EMEA CSAT from 78 to 88
        metric: csat
        where: {region: EMEA}
        baseline: 78
        target: 88
        measure: trailing 28d
        owner: EMEA support lead
      - id: first-response
        title: Cut first-response time from 9h to 4h
        metric: first_response
        baseline: 9
        target: 4
        measure: trailing 28d
        owner: Support operations

  - id: activation
    title: New teams get value in their first week
    owner: Head of Product
    tags: [product]
    cycle: @now
    key_results:
      - id: activation-7d
        title: Raise 7-day activation from 38% to 50%
        metric: activation_7d
        baseline: 0.38
        target: 0.50
        measure: trailing 28d
        owner: Growth team
        # The onboarding redesign ships mid-quarter: a slow start is the plan.
        checkpoints: {@first_checkpoint: @first_value, @second_checkpoint: @second_value}
      - id: invites
        title: New workspaces invite 3 teammates in their first week, up from 1.8
        metric: invites_per_workspace
        baseline: 1.8
        target: 3
        measure: trailing 28d
        owner: Growth team

  - id: reliability
    title: Deliver faster without breaking things
    owner: VP Engineering
    tags: [engineering]
    cycle: @now
    key_results:
      - id: uptime
        title: Keep API uptime at or above 99.9%
        metric: uptime
        target: '>= 99.9'
        measure: trailing 28d
        owner: Platform team
      - id: lead-time
        title: Cut lead time for changes from 52h to 24h
        metric: lead_time
        baseline: 52
        target: 24
        measure: trailing 28d
        owner: Platform team
      - id: change-failure
        title: Bring the change failure rate down to 10%
        metric: change_failure_rate
        baseline: auto
        target: 0.10
        measure: trailing 28d
        owner: Platform team

  - id: sales-playbook
    title: Build a repeatable sales playbook
    owner: VP Sales
    tags: [leadership]
    cycle: @previous
    key_results:
      - id: playbook-win-rate
        title: Lift the win rate from 18% to 22%
        metric: win_rate
        baseline: 0.18
        target: 0.22
        measure: trailing 28d
        owner: Sales enablement
      - id: playbook-arr
        title: Book EUR 900k of new ARR
        metric: arr_booked
        baseline: 0
        target: 900000
        measure: to_date
        owner: VP Sales

  - id: smaller-changes
    title: Deliver smaller changes, more often
    owner: VP Engineering
    tags: [engineering]
    cycle: @next
    key_results:
      - id: deploys-per-week
        title: Raise deployments from 40 to 60 a week
        metric: deploys
        baseline: 40
        target: 60
        owner: Platform team
      - id: lead-time-next
        title: Cut lead time for changes from 24h to 12h
        metric: lead_time
        baseline: 24
        target: 12
        measure: trailing 28d
        owner: Platform team
"""
