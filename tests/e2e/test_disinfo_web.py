"""Disinformation pages: upload with CSRF, run, group page with SVG charts, publish form."""

from __future__ import annotations

import re
from pathlib import Path

from defpact.core.runtime import Node
from disinfo_world import import_disarm, make_world
from support import ApiClient, csrf_of, sign_in


def _login(client: ApiClient, username: str) -> str:
    sign_in(client, username)
    return client.get("/disinfo").text


def _upload(client: ApiClient, path: Path, csrf: str, **fields: object) -> object:
    data: dict[str, object] = {"classification": "UNCLASSIFIED", "tlp": "GREEN",
                               "releasable_to": ["PACT"], "csrf_token": csrf}  # fmt: skip
    data.update(fields)
    with path.open("rb") as fh:
        return client.post("/disinfo/batches", data=data, files={"file": (path.name, fh)})


def test_upload_run_group_page_and_publish(client: ApiClient, node: Node, tmp_path: Path) -> None:
    import_disarm(node)
    world = make_world(tmp_path, "al-", seed=5)
    html = _login(client, "al.analyst")
    assert 'href="/disinfo"' in html and "Upload a batch" in html
    csrf = csrf_of(html)
    created = _upload(client, world.path, csrf)
    assert created.status_code == 303  # type: ignore[attr-defined]
    batch = client.get(created.headers["location"])  # type: ignore[attr-defined]
    assert batch.status_code == 200 and "UNCLASSIFIED // REL TO PACT, AL // TLP:GREEN" in batch.text
    assert f"<td>{len(world.rows)}</td>" in batch.text

    ran = client.post("/disinfo/runs", data={"window_seconds": "60", "csrf_token": csrf})
    assert ran.status_code == 303
    run = client.get(ran.headers["location"])
    assert run.status_code == 200 and "threshold τ" in run.text
    group_link = re.search(r'href="(/disinfo/groups/\d+)"', run.text)
    assert group_link
    group = client.get(group_link.group(1))
    assert group.status_code == 200
    assert group.text.count("<svg xmlns") == 2 and "<circle" in group.text and "<line" in group.text
    assert 'aria-label="Timeline of' in group.text and 'aria-label="Network of' in group.text
    assert "<script" not in group.text
    assert "Publish as a campaign" in group.text

    assert '<option value="T0049.003"' in group.text  # the DISARM picker
    form = {"name": "Operation Web", "description": "d", "disarm": "T0049 Flooding",
            "technique": ["T0049.003"],
            "classification": "UNCLASSIFIED", "tlp": "GREEN", "releasable_to": ["PACT"],
            "examples": "3"}  # fmt: skip
    forged = client.post(f"{group_link.group(1)}/publish", data={**form, "csrf_token": "forged"})
    assert forged.status_code == 403 and "Publish as a campaign" in forged.text
    bad = client.post(f"{group_link.group(1)}/publish",
                      data={**form, "disarm": "nonsense", "csrf_token": csrf})  # fmt: skip
    assert bad.status_code == 422 and "DISARM" in bad.text and "Operation Web" in bad.text
    done = client.post(f"{group_link.group(1)}/publish", data={**form, "csrf_token": csrf})
    assert done.status_code == 303
    published = client.get(group_link.group(1)).text
    assert "campaign--" in published and "T0049 Flood Information Space" in published
    assert "T0049.003 Bots Amplify" in published
    assert "Publish as a campaign" not in published


def test_forged_upload_stores_nothing_and_bad_file_is_explained(
    client: ApiClient, tmp_path: Path
) -> None:
    world = make_world(tmp_path, "xk-", seed=3, posts=500)
    csrf = csrf_of(_login(client, "xk.analyst"))
    forged = _upload(client, world.path, "forged")
    assert forged.status_code == 403  # type: ignore[attr-defined]
    bad = tmp_path / "posts.csv"
    bad.write_text("id,account\n1,a\n", encoding="utf-8")
    response = _upload(client, bad, csrf)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "lacks required column" in response.text  # type: ignore[attr-defined]
    assert "0 batches visible to you" in client.get("/disinfo").text


def test_pages_of_another_nation_do_not_exist(client: ApiClient, tmp_path: Path) -> None:
    world = make_world(tmp_path, "xk-", seed=3)
    csrf = csrf_of(_login(client, "xk.analyst"))
    batch = _upload(client, world.path, csrf, releasable_to=[])
    run = client.post("/disinfo/runs", data={"csrf_token": csrf})
    run_page = client.get(run.headers["location"]).text
    group = re.search(r'href="(/disinfo/groups/\d+)"', run_page)
    assert group
    other = ApiClient(client._client._transport.app)  # type: ignore[attr-defined]
    try:
        html = _login(other, "hr.analyst")
        assert "0 batches visible to you" in html and "0 runs visible to you" in html
        for url in (batch.headers["location"], run.headers["location"], group.group(1)):  # type: ignore[attr-defined]
            assert other.get(url).status_code == 404
    finally:
        other.close()
