"""Bad rows from another client: every DataLayer read path survives each one,
the row is listed and read back literally, and nothing is written.

One fresh database per case (a copy of a migrated template); the bad rows
are written by a separate OS process with the stdlib driver; the database's
logical checksum (schema + every row, read by another process) is compared
before the DataLayer opens and after it closed.
"""

from __future__ import annotations

import pytest

from jetpack_tui.data import create_local_data_layer

from .attacks import ATTACKS, Attack, dig, logical_checksum
from .conftest import copy_template, listed_keys, lookup, read_everything


def test_the_table_has_at_least_forty_cases():
    assert len(ATTACKS) >= 40


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_reads_survive_and_show_the_row_literally(attack: Attack, template_db, tmp_path, foreign_sql):
    path = copy_template(template_db, tmp_path / "db")
    foreign_sql(attack.statements, path)
    before = logical_checksum(path)

    with create_local_data_layer(path, lease_ttl=60) as dl:
        read_everything(dl, attack)
        if attack.key is not None:
            assert attack.key in listed_keys(dl, attack.table), f"{attack.key} not listed"
            model = lookup(dl, attack.table, attack.key)
            for where, value in attack.expect.items():
                got = dig(model, where)
                assert got == value, f"{where}: {got!r:.200} != {value!r:.200}"

    assert logical_checksum(path) == before, "reading bad rows changed the database"
