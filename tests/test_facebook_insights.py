"""True Facebook figures: a metric that comes back once per period is read at its lifetime
value, from Meta's documented shape and from the simulator."""

from __future__ import annotations

import requests
from contract_files import contract

from channels.meta.facebook import METRIC_FIELDS, FacebookChannel, _sample
from channels.sandbox.graph_world import PAGE_ID


def two_periods() -> dict:
    return contract("facebook_insights_two_periods.json")


def test_the_lifetime_entry_is_kept_whatever_comes_after_it():
    post = two_periods()

    sample = _sample(post["id"], post)

    assert sample.reach == 186673  # not the day entry's 0 that follows it
    assert sample.views == 250010  # nor the day entry that comes before it


def test_an_entry_without_a_period_counts_only_when_there_is_no_lifetime_one():
    post = {"insights": {"data": [
        {"name": "post_clicks", "values": [{"value": 5}]},
        {"name": "post_media_view", "values": [{"value": 9}]},
        {"name": "post_media_view", "period": "lifetime", "values": [{"value": 40}]},
        {"name": "post_total_media_view_unique", "period": "day", "values": [{"value": 2}]},
    ]}}  # fmt: skip

    sample = _sample("1_2", post)

    assert (sample.clicks, sample.views, sample.reach) == (5, 40, None)


def test_the_adapter_asks_for_the_lifetime_period():
    assert ".period(lifetime){name,period,values}" in METRIC_FIELDS


def test_the_simulator_answers_both_periods_when_none_is_asked(sandbox):
    [post] = sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "a"}]})[
        "ids"
    ]

    answer = requests.get(
        f"{sandbox.url}/v24.0/{post}",
        params={"access_token": "t", "fields": "insights.metric(post_total_media_view_unique)"},
        timeout=5,
    ).json()["insights"]["data"]

    assert [entry["period"] for entry in answer] == ["lifetime", "day"]
    assert {entry["id"] for entry in answer} == {
        f"{post}/insights/post_total_media_view_unique/lifetime",
        f"{post}/insights/post_total_media_view_unique/day",
    }
    assert all(entry["title"] and entry["description"] for entry in answer)
    assert all("end_time" in value for value in answer[1]["values"])
    lifetime = answer[0]["values"][0]["value"]
    assert _sample(post, {"insights": {"data": answer}}).reach == lifetime
    assert _sample(post, {"insights": {"data": answer[1:]}}).reach is None


def test_the_simulator_honours_the_period_and_the_adapter_reads_the_lifetime_reach(sandbox):
    [post] = sandbox.control("POST", "posts", {"network": "facebook", "posts": [{"text": "a"}]})[
        "ids"
    ]
    edge = requests.get(
        f"{sandbox.url}/v24.0/{post}/insights",
        params={"access_token": "t", "metric": "post_total_media_view_unique", "period": "day"},
        timeout=5,
    ).json()["data"]
    lifetime = requests.get(
        f"{sandbox.url}/v24.0/{post}",
        params={"access_token": "t", "fields": METRIC_FIELDS},
        timeout=5,
    ).json()["insights"]["data"]

    [sample] = FacebookChannel(PAGE_ID, "token", sandbox.url, timeout=3).metrics([post])

    assert [entry["period"] for entry in edge] == ["day"]
    assert {entry["period"] for entry in lifetime} == {"lifetime"}
    assert set(lifetime[0]) == {"name", "period", "values"}  # only the fields asked for
    by_name = {entry["name"]: entry["values"][0]["value"] for entry in lifetime}
    assert sample.reach == by_name["post_total_media_view_unique"] > 0
    assert sample.views == by_name["post_media_view"]
