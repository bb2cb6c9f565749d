"""The embedded stack wires every service together: publication flow through governance."""

from pathlib import Path

from schemaline.cli.stack import embedded_stack
from tests.support.invoices import GDP_INVOICE_V1_1


async def test_a_proposal_is_approved_by_the_gate_and_published(tmp_path: Path) -> None:
    async with embedded_stack(tmp_path) as stack:
        answer = await stack.publish_schema("finance.gdp.invoice", GDP_INVOICE_V1_1)
        assert answer["status"] == "pending"
        resolved = await stack.runner.resolver.resolve("finance.gdp.invoice:latest")
        assert str(resolved.fqid) == "finance.gdp.invoice:v1.0"
        kinds = [envelope.detail_type for envelope in stack.events()]
        assert kinds == ["SchemaProposed", "SchemaApproved", "SchemaPublished"]
