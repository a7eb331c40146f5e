"""`procdsl explore`: every schedule of a scenario, not one (docs/design.md §8)."""
