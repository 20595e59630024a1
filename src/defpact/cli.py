"""The ``defpact`` command: assembles every context's Typer sub-app."""

from __future__ import annotations

from typing import Annotated

import typer

from defpact.core import cli as core_cli
from defpact.core.audit_cli import audit_app
from defpact.core.config import get_settings
from defpact.core.db import redact_url
from defpact.core.nations import FOUNDING_MEMBERS
from defpact.core.seed import DEMO_PASSWORD
from defpact.federation.cli import federation_app
from defpact.federation.identity import ensure_node_identity
from defpact.governance.cli import app as governance_app
from defpact.governance.seed import seed_governance_demo
from defpact.procurement.cli import app as procurement_app
from defpact.procurement.seed import seed_procurement_demo
from defpact.threats.correlation.cli import threats_app as correlation_app
from defpact.threats.disinfo.cli_platform import app as disinfo_app
from defpact.threats.hub.cli import threats_app
from defpact.threats.hub.seed import seed_hub_demo
from defpact.threats.intel.cli import intel_app
from defpact.threats.intel.seed import seed_intel_demo
from defpact.threats.stix.service import seed_threats
from defpact.training.cli import app as training_app
from defpact.training.seed import seed_training_demo

__all__ = ["app", "main"]

app = typer.Typer(
    help="defpact: buy, train and counter hybrid threats together.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(core_cli.db_app, name="db")
app.add_typer(core_cli.nations_app, name="nations")
app.add_typer(core_cli.members_app, name="members")
app.add_typer(core_cli.user_app, name="user")
app.add_typer(core_cli.token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(intel_app, name="intel")
app.add_typer(disinfo_app, name="disinfo")
# one `threats` group: the hub's commands and the correlation commands
threats_app.registered_commands.extend(correlation_app.registered_commands)
threats_app.registered_groups.extend(correlation_app.registered_groups)
app.add_typer(threats_app, name="threats")
app.add_typer(training_app, name="training")
app.add_typer(governance_app, name="governance")
app.add_typer(procurement_app, name="procurement")
app.add_typer(federation_app, name="federation")


@app.command()
def init() -> None:
    """Create var/, the secret, audit and federation keys and the schema; found the pact."""
    founded = core_cli.init_node()
    settings = get_settings()
    node = core_cli.open_node()
    try:
        collections = seed_threats(node.uow())
    finally:
        node.dispose()
    identity = ensure_node_identity(settings)
    typer.echo(f"node initialised: database {redact_url(settings.database_url)}")
    typer.echo(f"node {identity.node_id} serves {', '.join(sorted(identity.nations))}; "
               f"federation key {identity.public_key}")  # fmt: skip
    if founded:
        typer.echo("the pact was founded: XK, AL and HR are members since 2025-03-18")
    if collections:
        typer.echo(f"created {collections} TAXII collections at /taxii2/")


@app.command()
def demo() -> None:
    """Seed demo data (development only; each part is created once).

    The demo records belong to all three founding nations, so they are seeded on a node that
    serves all three (the shared node, the default). A national node (``DEFPACT_NODE_NATIONS``
    naming fewer) gets the demo users only: its partners' records reach it by federation, and
    local copies of them would be records of nations it does not serve."""
    core_cli.demo_command()
    served = get_settings().served_nations
    if not set(FOUNDING_MEMBERS) <= served:
        typer.echo(
            f"this node serves {', '.join(sorted(served))}: demo users only; the demo records "
            "of the founding nations are seeded on a node serving all of them"
        )
        return
    node = core_cli.open_node()
    try:
        reports = seed_intel_demo(node.uow())
        if reports:
            typer.echo(f"created {reports} demo intelligence reports")
        if seed_procurement_demo(node.uow()):
            typer.echo("created the procurement catalogue, requirements and budgets")
        if seed_governance_demo(node.uow()):
            typer.echo("created the governance story (Tirana meeting, guide, accession request)")
        disarm, threat_reports = seed_hub_demo(node.uow())
        if disarm:
            typer.echo(f"imported the DISARM framework ({disarm} STIX objects)")
        if threat_reports:
            typer.echo(f"created {threat_reports} demo threat reports (STIX, served over TAXII)")
        if seed_training_demo(node.uow()):
            typer.echo("created the training demo (2027 programme, courses and seats, recruitment)")
    finally:
        node.dispose()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the web UI, the REST API and TAXII."""
    import uvicorn

    core_cli.open_node().dispose()
    settings = get_settings()
    typer.echo(f"defpact serving on http://{host}:{port}  (API docs: /api/openapi.json)")
    if settings.is_development:
        typer.echo("sign in as xk.admin, al.admin or hr.admin (and .procurement, .training,")
        typer.echo(f".analyst, .approver) with the demo password {DEMO_PASSWORD}")
    uvicorn.run(
        "defpact.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
    )


def main() -> None:
    app()
