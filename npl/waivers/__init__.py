"""The waiver ruler (一把尺子): interest accrual, the versioned policy table, the payoff calculator and waiver requests."""
