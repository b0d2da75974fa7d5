import sqlalchemy
from sqlalchemy import create_engine, pool
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

# WRONG
e1 = create_engine("postgresql+psycopg2://app@db/shop", poolclass=NullPool, pool_size=10, max_overflow=5)  # expect: AG503
e2 = create_engine("postgresql+psycopg2://app@db/shop", poolclass=pool.NullPool, pool_timeout=5)  # expect: AG503
e3 = create_engine("sqlite://", poolclass=sqlalchemy.pool.StaticPool, max_overflow=2)  # expect: AG503

# CORRECT
ok1 = create_engine("postgresql+psycopg2://app@db/shop", poolclass=NullPool)
ok2 = create_engine("postgresql+psycopg2://app@db/shop", poolclass=QueuePool, pool_size=10, max_overflow=5)
ok3 = create_engine("postgresql+psycopg2://app@db/shop", pool_size=10)
ok4 = create_engine("sqlite://", poolclass=StaticPool)
