"""Intelligence report pages: list with filters, form, detail banner, edit and withdraw."""

from __future__ import annotations

from support import ApiClient, csrf_of, sign_in


def _login(client: ApiClient, username: str) -> str:
    sign_in(client, username)
    return client.get("/").text


def _form(csrf: str, **over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Drone sightings near border post",
        "summary": "Repeated UAV overflights",
        "body": "Observed **three** overflights.",
        "region": "Adriatic",
        "tags": "uav, border",
        "reliability": "C",
        "credibility": "3",
        "classification": "RESTRICTED",
        "tlp": "AMBER",
        "releasable_to": ["AL"],
        "csrf_token": csrf,
    }
    data.update(over)
    return data


def test_create_shows_detail_with_banner(client: ApiClient) -> None:
    html = _login(client, "hr.analyst")
    assert 'href="/intel"' in html
    form = client.get("/intel/new")
    created = client.post("/intel/new", data=_form(csrf_of(form.text)))
    assert created.status_code == 303
    detail = client.get(created.headers["location"])
    assert detail.status_code == 200
    assert "RESTRICTED // REL TO AL, HR // TLP:AMBER" in detail.text
    assert "<strong>three</strong>" in detail.text
    listing = client.get("/intel", params={"tag": "uav"})
    assert "Drone sightings" in listing.text and "1 report visible" in listing.text


def test_bad_marking_re_renders_form_with_error_and_stores_nothing(client: ApiClient) -> None:
    _login(client, "hr.analyst")
    form = client.get("/intel/new")
    response = client.post("/intel/new", data=_form(csrf_of(form.text), releasable_to=["DE"]))
    assert response.status_code == 422
    assert "not a member of the pact" in response.text
    assert "Drone sightings" in response.text  # the user's input is kept
    assert "0 reports visible" in client.get("/intel").text


def test_other_nation_without_release_sees_nothing(client: ApiClient) -> None:
    _login(client, "hr.analyst")
    form = client.get("/intel/new")
    location = client.post("/intel/new", data=_form(csrf_of(form.text))).headers["location"]
    other = ApiClient(client._client._transport.app)  # type: ignore[attr-defined]
    try:
        _login(other, "xk.analyst")
        assert other.get(location).status_code == 404
        assert "Drone sightings" not in other.get("/intel").text
    finally:
        other.close()


def test_edit_and_withdraw(client: ApiClient) -> None:
    _login(client, "al.analyst")
    form = client.get("/intel/new")
    location = client.post("/intel/new", data=_form(csrf_of(form.text), releasable_to=["PACT"]))
    url = location.headers["location"]
    edit = client.get(f"{url}/edit")
    assert edit.status_code == 200 and 'name="version" value="1"' in edit.text
    saved = client.post(
        f"{url}/edit", data={**_form(csrf_of(edit.text), title="Revised"), "version": "1"}
    )
    assert saved.status_code == 303
    assert "Revised" in client.get(url).text
    detail = client.get(url)
    withdrawn = client.post(f"{url}/withdraw", data={"csrf_token": csrf_of(detail.text)})
    assert withdrawn.status_code == 303
    assert "Withdrawn" in client.get(url).text
