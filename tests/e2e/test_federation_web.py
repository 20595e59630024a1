"""The Federation web page: admins of the node's nations see the node identity and peers and
get a named error for bad input; other users do not reach it."""

from __future__ import annotations

import time

from defpact.core.runtime import Node
from support import ApiClient, csrf_of, sign_in


def _login(client: ApiClient, username: str) -> str:
    sign_in(client, username)
    return csrf_of(client.get("/").text)


def test_admin_sees_node_and_bad_peer_is_refused_naming_the_field(client: ApiClient) -> None:
    csrf = _login(client, "xk.admin")
    page = client.get("/federation")
    assert page.status_code == 200
    assert "Public key" in page.text and "No peers yet" in page.text
    refused = client.post(
        "/federation/peers",
        data={"url": "http://127.0.0.1:9/", "nation": "DE", "csrf_token": csrf},
    )
    assert refused.status_code == 422
    assert "nation" in refused.text and "not a member" in refused.text
    forged = client.post("/federation/peers/AL/suspend", data={"csrf_token": "forged"})
    assert forged.status_code == 403


def test_non_admin_is_refused(client: ApiClient) -> None:
    _login(client, "xk.analyst")
    page = client.get("/federation")
    assert page.status_code == 403
    assert "admin" in page.text


def test_scheduled_sync_status_is_shown(node: Node) -> None:
    from defpact.app import create_app
    from defpact.federation.identity import ensure_node_identity
    from defpact.federation.scheduler import SyncScheduler

    app = create_app(node=node)
    client = ApiClient(app)
    try:
        _login(client, "xk.admin")
        page = client.get("/federation")
        assert "Scheduled sync" in page.text and "Off on this server" in page.text
        scheduler = SyncScheduler(node, ensure_node_identity(node.settings), tick=0.05)
        app.state.federation_scheduler = scheduler
        scheduler.start()
        try:
            for _ in range(200):
                if scheduler.status().last_check is not None:
                    break
                time.sleep(0.05)
            page = client.get("/federation")
        finally:
            scheduler.stop()
        assert "Running" in page.text and "Last check 20" in page.text
        assert "stopped" in client.get("/federation").text
    finally:
        client.close()
