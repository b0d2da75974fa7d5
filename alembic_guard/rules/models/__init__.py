"""Rules of the models family. RULES lists them in code order; keep one rule per module."""

RULES: tuple = ()
