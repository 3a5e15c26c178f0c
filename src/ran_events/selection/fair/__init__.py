"""The fair lottery: the panel policy, its LEXIMIN distribution over panels, and the rounding."""
