"""Rules of the roundtrip family. RULES lists them in code order; keep one rule per module."""

RULES: tuple = ()
