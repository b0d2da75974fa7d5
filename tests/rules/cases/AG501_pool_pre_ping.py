import os

import sqlalchemy as sa
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine as cae
from sqlalchemy.pool import NullPool

DATABASE_URL = "mysql+pymysql://app:secret@db/shop"

# WRONG
engine = create_engine("mysql+pymysql://app@db/shop")  # expect: AG501
engine2 = sa.create_engine(DATABASE_URL, pool_size=10)  # expect: AG501
aengine = cae("mysql+aiomysql://app@db/shop", pool_recycle=3600)  # expect: AG501
env_engine = create_engine(os.getenv("DATABASE_URL", "mariadb+pymysql://app@db/shop"))  # expect: AG501

# CORRECT
ok = create_engine("mysql+pymysql://app@db/shop", pool_pre_ping=True, pool_recycle=3600)
ok_async = cae("mysql+aiomysql://app@db/shop", pool_pre_ping=True)
no_pool = create_engine("mysql+pymysql://app@db/shop", poolclass=NullPool)
pg = create_engine("postgresql+psycopg2://app@db/shop")
unknown = create_engine(os.environ["DATABASE_URL"])


class Config:
    SQLALCHEMY_DATABASE_URI = "mysql+pymysql://app@db/shop"  # expect: AG501
