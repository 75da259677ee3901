"""The quality pages: queue, review form (with its errors), report with the sampler, feedback."""

from __future__ import annotations

from tests.quality.conftest import PERIOD, draw, login, page_csrf, routine
from tests.quality.test_quality_api import ITEMS


def _reviewer_name(people, reviewer_id) -> str:
    return next(a.username for a, _ in people.values() if a.id == reviewer_id)


def test_a_reviewer_works_a_review_from_the_queue_page(client, people):
    routine(client, people["handler"][1])
    task = draw(client, people["supervisor"][1], double_share=0)["reviews"][0]
    login(client, _reviewer_name(people, task["reviewer_id"]))
    queue = client.get("/quality")
    assert queue.status_code == 200 and f'/quality/reviews/{task["id"]}' in queue.text
    page = client.get(f"/quality/reviews/{task['id']}")
    assert page.status_code == 200
    for label in ("THRIVE+ applied", "Grade right", "Caller treated well", "My bike was stolen"):
        assert label in page.text
    csrf = page_csrf(client)
    # one item missing: the form comes back with what was entered and names the item
    partial = {"csrf": csrf, "comment": "Kept the caller informed.",
               **{f"answer.{code}": "yes" for code in ITEMS[:-1]}}
    r = client.post(f"/quality/reviews/{task['id']}", data=partial)
    assert r.status_code == 422 and "caller_treated_well: answer every checklist item" in r.text
    assert "Kept the caller informed." in r.text and r.text.count(" checked>") == len(ITEMS) - 1
    r = client.post(f"/quality/reviews/{task['id']}", data={**partial, "answer.caller_treated_well": "partly"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/quality")
    assert f'/quality/reviews/{task["id"]}' not in client.get("/quality").text
    # without the CSRF token nothing is accepted
    r = client.post(f"/quality/reviews/{task['id']}", data={k: v for k, v in partial.items() if k != "csrf"})
    assert r.status_code == 403


def test_the_handler_reads_their_feedback_page(client, people):
    routine(client, people["handler"][1])
    task = draw(client, people["supervisor"][1], double_share=0)["reviews"][0]
    from tests.quality.test_quality_api import _headers_of, answers

    r = client.post(f"/api/quality/reviews/{task['id']}", json={"answers": answers(grade_right="no"),
                                                                 "comment": "Grade 4 was too low here."},
                    headers=_headers_of(people, task["reviewer_id"]))
    assert r.status_code == 200
    login(client, "call-handler")
    page = client.get("/quality/mine")
    assert page.status_code == 200 and "Grade 4 was too low here." in page.text and task["reviewer"] in page.text
    login(client, "handler2")
    assert "Grade 4 was too low here." not in client.get("/quality/mine").text
    assert client.get(f"/quality/staff/{people['handler'][0].id}").status_code == 403
    login(client, "supervisor")
    assert "Grade 4 was too low here." in client.get(f"/quality/staff/{people['handler'][0].id}").text


def test_a_supervisor_draws_a_sample_and_reads_the_report(client, people):
    routine(client, people["handler"][1])
    routine(client, people["handler2"][1])
    login(client, "supervisor")
    page = client.get("/quality/report")
    assert page.status_code == 200 and "Draw a sample" in page.text and "01 Nov 2026" in page.text
    r = client.post("/quality/samples", data={**PERIOD, "per_handler": "3", "double_share_percent": "50",
                                              "risk_at_least": "medium", "seed": "12", "csrf": page_csrf(client)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    report = client.get(r.headers["location"])
    assert "seed 12" in report.text and 'id="q-open">3<' in report.text  # 2 contacts, one marked twice
    again = client.post("/quality/samples", data={**PERIOD, "csrf": page_csrf(client)},
                        headers={"accept": "text/html"})
    assert again.status_code == 409 and "already covers" in again.text
    bad = client.post("/quality/samples", data={**PERIOD, "seed": "abc", "csrf": page_csrf(client)})
    assert bad.status_code == 422


def test_pages_need_their_permission(client, people):
    login(client, "call-handler")
    for path in ("/quality", "/quality/report", "/quality/reviews/1"):
        assert client.get(path).status_code == 403, path
    assert client.get("/quality/mine").status_code == 200
    login(client, "quality-reviewer")
    assert client.get("/quality/report").status_code == 403
    assert client.get("/quality/reviews/424242").status_code == 404
