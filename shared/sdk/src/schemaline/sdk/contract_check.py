"""What a stage (or the validator) says when a declared schema is outside the stage's contract."""

from __future__ import annotations

from schemaline.contracts import SchemaContract, Selector


def outside_contract(declared: Selector, contract: SchemaContract) -> str:
    """The PIPE-1104 message: what was declared, what the contract admits, whose contract it is."""
    return (
        f"{contract.pipeline_id} declares {declared}, outside its contract's schema_selector "
        f"{contract.schema_selector} ({contract.layer.value} contract)"
    )
