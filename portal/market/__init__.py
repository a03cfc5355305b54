"""The registry and marketplace (DESIGN.md §7): citizens' saleable reductions pooled into
batches of serial-numbered tonnes, listed, ordered, paid, held and retired."""
