"""Examples A and B on the embedded stack (what `schemaline demo` runs)."""

from pathlib import Path

from schemaline.cli.stack import embedded_stack

from .examples import example_a, example_b


async def test_examples_a_and_b_on_the_embedded_default(tmp_path: Path) -> None:
    async with embedded_stack(tmp_path) as stack:
        await example_a(stack, stack.lineage.reader)
        await example_b(stack, stack.lineage.reader)
