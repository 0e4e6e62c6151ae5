"""``flask --app app keys create|list|revoke``: API keys (CAA_AUTH=api_key; api/auth.py)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from api.context import context
from store import iso


@click.group("keys", help="Create, list and revoke API keys (stored only as SHA-256 hashes).")
def keys_cli() -> None:
    pass


@keys_cli.command("create")
@click.option("--name", required=True, help="Who or what the key is for (1-100 characters).")
@with_appcontext
def create(name: str) -> None:
    """Create a key; it is printed once, alone on the last line, and never stored."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise click.BadParameter("1-100 characters", param_hint="--name")
    key_id, key = context().store.create_api_key(name)
    click.echo(f"key_id {key_id} ({name}): the key below is shown once; keep it secret")
    click.echo(key)


@keys_cli.command("list")
@with_appcontext
def list_keys() -> None:
    """One line per key: key_id, created, revoked (or 'live'), name."""
    for row in context().store.list_api_keys():
        state = f"revoked {iso(row.revoked_at)}" if row.revoked_at else "live"
        click.echo(f"{row.key_id}\t{iso(row.created_at)}\t{state}\t{row.name}")


@keys_cli.command("revoke")
@click.argument("key_id")
@with_appcontext
def revoke(key_id: str) -> None:
    """Revoke a key at once (the data of its tenant stays until deleted)."""
    if not context().store.revoke_api_key(key_id):
        raise click.ClickException(f"no live key {key_id!r}")
    click.echo(f"revoked {key_id}")
