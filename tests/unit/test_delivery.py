"""A delivery refuses a file name twice, whatever its size, and lists its files in order."""

from __future__ import annotations

import pytest

from leadership.exports.outbox import Delivery


def test_a_name_added_twice_is_refused_and_the_manifest_is_sorted():
    delivery = Delivery("hr-summaries", "2026Q3")
    for n in reversed(range(5000)):  # a set keeps this linear: a network has 295,000 files
        delivery.add(f"W{n:06d}.json", b"{}", 1)

    with pytest.raises(ValueError, match=r"hr-summaries/2026Q3/W000042\.json is added twice"):
        delivery.add("W000042.json", b"{}", 1)

    names = [f["name"] for f in delivery.manifest()["files"]]
    assert names == sorted(names) and len(names) == 5000
