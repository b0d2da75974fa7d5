"""Small helpers every layer may use: bounded file reading, AST depth limits, fork safety, the
result cache, read-only git, and the round-trip walk settings as values. They import only the
vocabulary (errors, findings, settings) and never a layer above it.
"""
