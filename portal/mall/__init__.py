"""The points mall: citizens redeem points for vouchers, merchants check them (DESIGN.md §6)."""
