"""Expressions of a pack's criteria: CEL's language, evaluated on exact decimals.

`syntax` reads an expression into a tree, `evaluate` compiles the tree into closures with CEL's
semantics, `numbers` holds the decimal rules (from a cell's double, arithmetic, display).
"""
