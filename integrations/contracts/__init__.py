"""The platform's stream contracts, one module per feed; every connector speaks these."""

from __future__ import annotations

from integrations.common.schema import StreamContract, ensure_unique_names
from integrations.contracts import calendar, hr, lms, surveys

CONTRACTS: dict[str, StreamContract] = ensure_unique_names(
    [*hr.CONTRACTS, *lms.CONTRACTS, *calendar.CONTRACTS, *surveys.CONTRACTS]
)


def get_contract(qualified_name: str) -> StreamContract:
    """The contract for ``<feed>__<stream>``, with the known names in the error."""
    try:
        return CONTRACTS[qualified_name]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise KeyError(f"unknown stream {qualified_name!r}; known streams: {known}") from None


def contracts_for_feed(feed: str) -> list[StreamContract]:
    return [c for c in CONTRACTS.values() if c.feed == feed]
