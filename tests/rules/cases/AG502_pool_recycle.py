from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine

# WRONG
engine = create_engine("mysql+pymysql://app@db/shop")  # expect: AG502
long_recycle = create_engine("mysql+pymysql://app@db/shop", pool_pre_ping=True, pool_recycle=36000)  # expect: AG502
never = create_async_engine("mysql+aiomysql://app@db/shop", pool_recycle=-1)  # expect: AG502

# CORRECT
ok = create_engine("mysql+pymysql://app@db/shop", pool_recycle=3600)
pinged = create_engine("mysql+pymysql://app@db/shop", pool_pre_ping=True)
pg = create_engine("postgresql+psycopg2://app@db/shop", pool_recycle=1800)
sqlite = create_engine("sqlite:///app.db")
pg_long = create_engine("postgresql+psycopg2://app@db/shop", pool_recycle=86400)
