import os

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

PG_URL = "postgresql://app@db/shop"

# WRONG
e1 = create_async_engine("postgresql://app@db/shop")  # expect: AG521
e2 = create_async_engine("postgresql+psycopg2://app@db/shop")  # expect: AG521
e3 = create_async_engine("mysql+pymysql://app@db/shop", pool_pre_ping=True, pool_recycle=3600)  # expect: AG521
e4 = create_async_engine("sqlite:///./app.db")  # expect: AG521
e5 = create_async_engine(PG_URL)  # expect: AG521
e6 = create_engine("postgresql+asyncpg://app@db/shop")  # expect: AG521
e7 = create_async_engine(os.getenv("DATABASE_URL", "postgresql://app@localhost/dev"))  # expect: AG521

# CORRECT
ok1 = create_async_engine("postgresql+asyncpg://app@db/shop")
ok2 = create_async_engine("postgresql+psycopg://app@db/shop")
ok3 = create_async_engine("sqlite+aiosqlite:///./app.db")
ok4 = create_async_engine("mysql+aiomysql://app@db/shop", pool_pre_ping=True, pool_recycle=3600)
ok5 = create_engine("postgresql+psycopg2://app@db/shop")
ok6 = create_async_engine(os.environ["DATABASE_URL"])
ok7 = create_engine("postgresql+psycopg://app@db/shop")
