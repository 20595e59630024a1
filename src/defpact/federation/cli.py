"""``defpact federation``: node identity, peers, sync (with a progress bar) and the sync loop."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from defpact.core.cli import open_node
from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.core.config import get_settings
from defpact.core.context import Actor
from defpact.core.identity import Clearance
from defpact.federation import peers
from defpact.federation.identity import ensure_node_identity
from defpact.federation.sync import SyncResult, run_forever, sync_peer

__all__ = ["federation_app"]

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
federation_app = typer.Typer(help="Federation with other nations' nodes.", no_args_is_help=True)
peer_app = typer.Typer(help="Peer nodes.", no_args_is_help=True)
federation_app.add_typer(peer_app, name="peer")
_CONSOLE = Actor.console()


@federation_app.command("node")
def node_show(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """This node's id, nations and public key (give the key to peers' admins)."""
    identity = ensure_node_identity(get_settings())
    data = {"node_id": identity.node_id, "nations": sorted(identity.nations),
            "public_key": identity.public_key}  # fmt: skip
    emit(fmt, data, lambda: typer.echo(
        f"node {identity.node_id} serving {', '.join(sorted(identity.nations))}\n"
        f"public key: {identity.public_key}"))  # fmt: skip


def _peer_rows(items: list[peers.PeerInfo]) -> list[tuple[object, ...]]:
    return [
        (p.nation, p.url, p.state, p.clearance.name, "yes" if p.has_token else "no",
         p.last_success_at, f"{p.lag_seconds:.0f} s" if p.lag_seconds is not None else "",
         p.failures, p.last_error or "", p.replicas)
        for p in items
    ]  # fmt: skip


_COLUMNS = ["Nation", "URL", "State", "Clearance", "Token", "Last success", "Lag", "Failures",
            "Last error", "Replicas"]  # fmt: skip


@peer_app.command("add")
def peer_add(
    url: str,
    nation: Annotated[str, typer.Option(help="the peer node's nation")],
    token: Annotated[str | None, typer.Option(help="the token the peer's admin gave you")] = None,
    key: Annotated[str | None, typer.Option(help="the peer's public key (else pinned)")] = None,
    clearance: Annotated[str, typer.Option(help="clearance agreed with the peer")] = "SECRET",
    interval: Annotated[int, typer.Option(help="seconds between syncs")] = 300,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the peer")] = 10.0,
    local_nation: Annotated[str | None, typer.Option(help="our nation, on a shared node")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Register a peer node; prints the token to give its admin (once)."""
    settings = get_settings()
    node = open_node()
    try:
        level = Clearance.parse(clearance)
    except ValueError as exc:
        fail(f"clearance: {exc}")
    new = peers.NewPeer(url, nation, token, key, level, interval, timeout, local_nation)
    with reporting_errors():
        info, inbound = peers.add_peer(
            node.uow(), _CONSOLE, ensure_node_identity(settings),
            settings.effective_secret_key(), new,
        )  # fmt: skip
    emit(fmt, {"peer": info, "token_for_peer": inbound}, lambda: typer.echo(
        f"peer {info.nation} at {info.url} added (node {info.node_id}, key {info.fingerprint})\n"
        f"token for the peer's admin (shown once): {inbound}"))  # fmt: skip


@peer_app.command("set-token")
def peer_set_token(nation: str, token: str) -> None:
    """Store the token the peer's admin gave you (checked against the peer)."""
    settings = get_settings()
    node = open_node()
    with reporting_errors():
        peers.set_peer_token(node.uow(), _CONSOLE, ensure_node_identity(settings),
                             settings.effective_secret_key(), nation, token)  # fmt: skip
    typer.echo(f"token for peer {nation.upper()} stored")


@peer_app.command("list")
def peer_list(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Peers with their sync status."""
    node = open_node()
    with reporting_errors():
        items = peers.list_peers(node.uow(), _CONSOLE, ensure_node_identity(get_settings()))
    emit(fmt, items, lambda: print_table("Peers", _COLUMNS, _peer_rows(items)))


def _set_state(nation: str, state: str) -> None:
    node = open_node()
    with reporting_errors():
        info = peers.set_peer_state(node.uow(), _CONSOLE, ensure_node_identity(get_settings()),
                                    nation, state)  # fmt: skip
    typer.echo(f"peer {info.nation} is {info.state}")


@peer_app.command("suspend")
def peer_suspend(nation: str) -> None:
    """Stop syncing with a peer, both ways, until resumed."""
    _set_state(nation, "suspended")


@peer_app.command("resume")
def peer_resume(nation: str) -> None:
    _set_state(nation, "active")


@peer_app.command("remove")
def peer_remove(nation: str) -> None:
    """End a peering: its replicas are deleted and its credential revoked."""
    node = open_node()
    with reporting_errors():
        removed = peers.remove_peer(node.uow(), _CONSOLE, ensure_node_identity(get_settings()),
                                    nation)  # fmt: skip
    typer.echo(f"peer {nation.upper()} removed with {removed} replicas")


def _line(result: SyncResult) -> str:
    t = result.totals
    state = f"FAILED ({result.error})" if result.error else "caught up"
    return (
        f"{result.nation}: {state}; {result.pages} pages, {t.stored} stored, "
        f"{t.removed} removed, {t.unchanged} unchanged, {t.refused} not released to us"
    )


@federation_app.command("sync")
def sync(
    peer: Annotated[str | None, typer.Option(help="only this peer nation")] = None,
    full: Annotated[bool, typer.Option(help="rewind the cursor: resync from the start")] = False,
    limit: Annotated[int, typer.Option(min=1, max=5000, help="objects per page")] = 1000,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Pull every new change from the peers now (exit 1 if any peer failed)."""
    settings = get_settings()
    node = open_node()
    identity = ensure_node_identity(settings)
    with reporting_errors():
        nations = [peer.upper()] if peer else [p.nation for p in peers.list_peers(
            node.uow(), _CONSOLE, identity) if p.state == "active"]  # fmt: skip
        results = []
        quiet = fmt is OutputFormat.JSON
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      TextColumn("{task.fields[applied]} applied, page {task.fields[pages]}"),
                      TimeElapsedColumn(), disable=quiet, transient=False) as bar:  # fmt: skip
            for nation in nations:
                task = bar.add_task(f"sync {nation}", total=None, applied=0, pages=0)

                def step(applied: int, pages: int, task: object = task) -> None:
                    bar.update(task, applied=applied, pages=pages)  # type: ignore[arg-type]

                result = sync_peer(node, identity, nation, progress=step, limit=limit, full=full)
                bar.update(task, total=1, completed=1)
                results.append(result)
    emit(fmt, results, lambda: typer.echo("\n".join(_line(r) for r in results)))
    if any(r.error for r in results):
        raise typer.Exit(1)


@federation_app.command("run")
def run(
    tick: Annotated[float, typer.Option(min=0.1, help="seconds between schedule checks")] = 1.0,
) -> None:
    """Scheduled sync: sync each peer at its interval (backoff after failures), until stopped."""
    settings = get_settings()
    node = open_node()
    identity = ensure_node_identity(settings)
    typer.echo(f"federation sync loop of node {identity.node_id}; Ctrl-C stops it")
    try:
        run_forever(node, identity, report=lambda r: typer.echo(_line(r)), tick=tick)
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        node.dispose()
