"""The fuzzing harness: one target per reader of outside data (see docs/fuzzing.md).

``targets`` holds the targets (each a reader, its valid seeds, a Hypothesis strategy that
derives hostile inputs from them, and the contract it checks); ``runner`` runs them for a
bounded time on a fixed seed (``scripts/fuzz``) and keeps every failing input in
``tests/fuzz_corpus/<target>/``; ``tests/test_fuzz_corpus.py`` replays that corpus.
"""
