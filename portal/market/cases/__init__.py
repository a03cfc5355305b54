"""以碳代偿 court cases: a court or procuratorate records a judgment that orders tonnes retired
in place of ecological restoration; retirements linked to the case fulfil it (DESIGN §7,
invariant 8)."""
