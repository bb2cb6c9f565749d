"""Examples A and B on the stack docker-compose.yml runs, each service in its container, on the bus
of the profile the stack runs. Not collected with the suite (it needs that stack):
deploy/images/compose-test.sh brings the stack up, names this file to pytest, and takes it down."""

from pathlib import Path

import pytest

from schemaline.governance.chain import verify
from schemaline.governance.ledger import read_entries, read_head
from schemaline.lineage_writer.sql_store import SqlLineageReader

from .compose_stack import compose_stack
from .console_pages import console_shows_example_b
from .examples import example_a, example_b

pytestmark = [pytest.mark.slow]


async def test_examples_a_and_b_on_the_compose_stack(tmp_path: Path) -> None:
    async with compose_stack(tmp_path) as stack:
        lineage = SqlLineageReader(stack.lineage_engine)
        await example_a(stack, lineage)
        drift = await example_b(stack, lineage)
        await stack.settle()
        # The console's compose service, on its host port, with the approver's token.
        await console_shows_example_b(stack.urls["console"], stack.tokens["approver"], drift)
        entries = [entry async for entry in read_entries(stack.governance_engine)]
        result = verify(entries, head=await read_head(stack.governance_engine))
        assert result.ok, result.render()
        assert len(entries) >= len(stack.events()) - 1
