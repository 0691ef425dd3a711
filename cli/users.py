from __future__ import annotations

import typer
from rich.console import Console

from loyalty.accounts.users import create_user
from loyalty.core.db import get_engine, unit_of_work
from loyalty.core.errors import DomainError
from loyalty.core.settings import get_settings
from loyalty.models.users import Role

app = typer.Typer(help="Staff, marketing and admin users.", no_args_is_help=True)
console = Console()


@app.command()
def create(
    name: str,
    role: Role = typer.Option(..., "--role", help="staff, marketing or admin"),
    password: str = typer.Option(..., "--password", prompt=True, hide_input=True),
    full_name: str = typer.Option("", "--full-name"),
) -> None:
    """Create a user who can sign in to the API and the pages."""
    with unit_of_work(get_engine(get_settings().database_url)) as session:
        try:
            user = create_user(session, name, password, role, full_name)
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
        session.commit()
        console.print(f"[green]created {user.role} user {user.username!r} (id {user.id})[/green]")
