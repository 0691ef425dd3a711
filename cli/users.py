"""``loyalty users``: create, list, disable, enable and set-password (passwords prompted, never arguments)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from loyalty.accounts.throttle import clear_account
from loyalty.accounts.users import create_user, list_users, set_password, update_user, user_by_username
from loyalty.core.db import get_engine, unit_of_work
from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings
from loyalty.models.users import Role, User

app = typer.Typer(help="Staff, marketing and admin users.", no_args_is_help=True)
console = Console()


def ask_password() -> str:
    """The new password: prompted twice, hidden, on a terminal; else the first line of standard input
    (``printf '%s\\n' "$PW" | loyalty users set-password NAME``). Never an argument: the command line of
    a process is visible to every user of the machine and lands in shell history."""
    if sys.stdin.isatty():
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _fail(exc: DomainError) -> typer.Exit:
    console.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


@app.command()
def create(
    name: str,
    role: Role = typer.Option(..., "--role", help="staff, marketing or admin"),
    password: str | None = typer.Option(
        None, "--password", help="avoid: prompted (or read from standard input) when left out"
    ),
    full_name: str = typer.Option("", "--full-name"),
) -> None:
    """Create a user who can sign in to the API and the pages (the password is prompted)."""
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            user = create_user(
                session, name, password if password is not None else ask_password(), role, full_name
            )
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
        console.print(f"[green]created {user.role} user {user.username!r} (id {user.id})[/green]")


@app.command("list")
def list_() -> None:
    """Every user: name, role, whether they may sign in."""
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        users = list_users(session)
    table = Table("username", "role", "full name", "active", "created", box=None)
    for user in users:
        table.add_row(
            user.username,
            str(user.role),
            user.full_name,
            "yes" if user.is_active else "no",
            f"{user.created_at:%Y-%m-%d}",
        )
    console.print(table)


def _set_active(name: str, active: bool) -> User:
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            user = update_user(session, user_by_username(session, name).id or 0, is_active=active)
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    return user


@app.command()
def disable(name: str) -> None:
    """Stop a user from signing in; the tokens they hold stop working at once."""
    user = _set_active(name, False)
    console.print(f"[green]disabled {user.username!r}; their tokens are revoked[/green]")


@app.command()
def enable(name: str) -> None:
    """Let a disabled user sign in again (with their password)."""
    user = _set_active(name, True)
    console.print(f"[green]enabled {user.username!r}[/green]")


@app.command()
def unlock(name: str) -> None:
    """Lift the sign-in throttle on a user from every address (an admin slowed down by a guesser)."""
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            user = user_by_username(session, name)
        except DomainError as exc:
            raise _fail(exc) from exc
        cleared = clear_account(session, user.username)
        session.commit()
    console.print(f"[green]unlocked {user.username!r} ({cleared} failed sign-ins forgotten)[/green]")


@app.command("set-password")
def set_password_(name: str) -> None:
    """Give a user a new password (prompted); the tokens they hold stop working."""
    password = ask_password()
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            user = set_password(session, user_by_username(session, name).id or 0, password)
        except DomainError as exc:
            raise _fail(exc) from exc
        session.commit()
    console.print(f"[green]new password for {user.username!r}; their earlier tokens are revoked[/green]")
