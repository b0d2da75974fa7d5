# flags: AG501,AG502
# Engines made in a function but kept beyond the call (returned, stored): their pooled
# connections idle between uses, so they still need pre-ping / recycle.
from sqlalchemy import create_engine


def make_engine():
    engine = create_engine("mysql+pymysql://app@db/shop", pool_size=5)
    return engine


class Store:
    def __init__(self):
        engine = create_engine("mysql+pymysql://app@db/shop")
        self.engine = engine
