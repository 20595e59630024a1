"""Core CLI commands: node set-up, nations and members, users and tokens.

Commands act as the node's operator at the console (audited as such): the person at the
server's shell already holds the database.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.pool import NullPool

from defpact.core import service
from defpact.core.cli_output import OutputFormat, emit, fail, print_table, reporting_errors
from defpact.core.config import get_settings
from defpact.core.context import Actor
from defpact.core.db import make_engine, redact_url
from defpact.core.identity import Clearance, Principal, Role
from defpact.core.nations import NATIONS
from defpact.core.runtime import Node
from defpact.core.schema import DatabaseUnavailable, check_reachable, upgrade
from defpact.core.seed import DEMO_PASSWORD, seed_demo, seed_reference
from defpact.core.sessions import principal_of
from defpact.core.store import UserRepository

__all__ = [
    "db_app",
    "init_node",
    "members_app",
    "nations_app",
    "active_principal",
    "open_node",
    "token_app",
    "user_app",
]

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
nations_app = typer.Typer(
    help="Reference list of NATO and EU states and Kosovo.", no_args_is_help=True
)
members_app = typer.Typer(help="Members of the pact.", no_args_is_help=True)
user_app = typer.Typer(help="Users of this node.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


def active_principal(node: Node, username: str) -> Principal:
    """The principal of an active user, for commands that act ``--as`` them; fails otherwise."""
    with node.uow() as uow:
        row = UserRepository(uow.session).by_username(username)
        if row is None or row.disabled:
            fail(f"no active user {username!r}")
        return principal_of(row)


def open_node() -> Node:
    """A node on the configured database, or one clear line and exit 1 if it is unreachable."""
    settings = get_settings()
    # No pool: a command's connections close with its unit of work, so nothing is left open
    # when a command returns (commands may run in-process, e.g. under CliRunner).
    node = Node(settings, make_engine(settings, poolclass=NullPool))
    try:
        check_reachable(node.engine)
    except DatabaseUnavailable:
        node.dispose()
        fail(f"cannot reach the database at {redact_url(settings.database_url)}", 1)
    return node


def init_node() -> bool:
    """Create var/, keys and the schema, and seed the founding pact. True on first founding."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.effective_secret_key()
    try:
        upgrade(settings.database_url)
    except DatabaseUnavailable:
        fail(f"cannot reach the database at {redact_url(settings.database_url)}", 1)
    node = open_node()
    try:
        from defpact.core.audit_keys import ensure_signing_key

        ensure_signing_key(settings.audit_key_path)
        return seed_reference(node.uow())
    finally:
        node.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    settings = get_settings()
    try:
        upgrade(settings.database_url)
    except DatabaseUnavailable:
        fail(f"cannot reach the database at {redact_url(settings.database_url)}", 1)
    typer.echo(f"database at {redact_url(settings.database_url)} is up to date")


@nations_app.command("list")
def nations_list(fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """Every state that may take part, with NATO and EU accession dates."""
    nations = sorted(NATIONS.values(), key=lambda n: n.code)
    emit(
        fmt,
        [
            {"code": n.code, "name": n.name, "nato_joined": n.nato_joined, "eu_joined": n.eu_joined}
            for n in nations
        ],
        lambda: print_table(
            "Nations",
            ["Code", "Name", "NATO since", "EU since"],
            [(n.code, n.name, n.nato_joined, n.eu_joined) for n in nations],
        ),
    )


@members_app.command("list")
def members_list(
    fmt: FormatOpt = OutputFormat.TABLE,
    history: Annotated[bool, typer.Option(help="include former members")] = False,
) -> None:
    """Current members of the pact."""
    node = open_node()
    members = service.list_members(node.uow(), history=history)
    emit(
        fmt,
        members,
        lambda: print_table(
            "Pact members",
            ["Code", "Name", "Joined", "Left"],
            [(m.code, m.name, m.joined, m.left) for m in members],
        ),
    )


def _parse_roles(roles: list[str]) -> tuple[Role, ...]:
    parsed = []
    for role in roles:
        try:
            parsed.append(Role(role.strip().lower()))
        except ValueError:
            fail(f"unknown role {role!r}; valid roles: {', '.join(r.value for r in Role)}")
    return tuple(parsed)


@user_app.command("create")
def user_create(
    username: str,
    nation: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. XK")],
    role: Annotated[list[str], typer.Option(help="repeat for several roles")],
    clearance: Annotated[str, typer.Option(help="UNCLASSIFIED..SECRET")] = "UNCLASSIFIED",
    display_name: Annotated[str, typer.Option()] = "",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create a user; without --password-stdin a password is generated and printed once."""
    try:
        level = Clearance.parse(clearance)
    except ValueError as exc:
        fail(str(exc))
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    new = service.NewUser(
        username=username,
        nation=nation,
        roles=_parse_roles(role),
        clearance=level,
        display_name=display_name,
        password=password,
    )
    node = open_node()
    with reporting_errors():
        info, generated = service.create_user(node.uow(), Actor.console(), new)
    data = {"user": info, "generated_password": generated}
    emit(fmt, data, lambda: _print_created(info, generated))


def _print_created(info: service.UserInfo, generated: str | None) -> None:
    typer.echo(f"created user {info.username} ({info.nation}, {info.clearance.name})")
    if generated:
        typer.echo(f"password (shown once): {generated}")


@user_app.command("list")
def user_list(
    nation: Annotated[str | None, typer.Option(help="only this nation")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Users of this node."""
    node = open_node()
    with reporting_errors():
        code = service.require_nation(nation) if nation else None
        users = service.list_users(node.uow(), Actor.console(), code)
    emit(
        fmt,
        users,
        lambda: print_table(
            "Users",
            ["Username", "Nation", "Roles", "Clearance", "Disabled"],
            [(u.username, u.nation, u.roles, u.clearance, u.disabled) for u in users],
        ),
    )


@user_app.command("disable")
def user_disable(username: str) -> None:
    """Disable a user and revoke their tokens."""
    node = open_node()
    with reporting_errors():
        service.disable_user(node.uow(), Actor.console(), username)
    typer.echo(f"user {username} disabled; their tokens are revoked")


@token_app.command("create")
def token_create(
    username: str,
    expires_days: Annotated[int, typer.Option(min=1, max=366)] = 90,
    name: Annotated[str, typer.Option()] = "",
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create an API token for USERNAME and print it once."""
    node = open_node()
    with reporting_errors():
        issued = service.create_token(
            node.uow(), Actor.console(), username, expires_days=expires_days, name=name
        )
    emit(
        fmt,
        {"token": issued.info, "secret": issued.secret},
        lambda: typer.echo(
            f"{issued.secret}\n(token {issued.info.id} for {username}, expires "
            f"{issued.info.expires_at:%Y-%m-%d}; shown once, store it now)"
        ),
    )


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id."""
    node = open_node()
    with reporting_errors():
        info = service.revoke_token(node.uow(), Actor.console(), token_id)
    typer.echo(f"token {info.id} of {info.username} revoked")


def demo_command() -> None:
    """Seed the demo users (development only)."""
    if not get_settings().is_development:
        fail("demo data is refused outside development mode")
    node = open_node()
    created = seed_demo(node.uow())
    if created:
        typer.echo(f"created {len(created)} demo users (password: {DEMO_PASSWORD})")
    else:
        typer.echo("demo users already present")
