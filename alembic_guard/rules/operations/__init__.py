"""Rules of the operations family. RULES lists them in code order; keep one rule per module."""

RULES: tuple = ()
