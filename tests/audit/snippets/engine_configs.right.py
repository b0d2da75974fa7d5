from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool, StaticPool

app = FastAPI()
mysql_engine = create_engine("mysql+pymysql://u:p@localhost/shop", pool_pre_ping=True, pool_recycle=3600)
serverless = create_engine("postgresql+psycopg2://u:p@localhost/shop", poolclass=NullPool)
memory = create_engine("sqlite:///:memory:", poolclass=StaticPool, connect_args={"check_same_thread": False})
async_engine = create_async_engine("mysql+aiomysql://u:p@localhost/shop", pool_pre_ping=True, pool_recycle=3600)
pg = create_async_engine("postgresql+asyncpg://u:p@localhost/shop", pool_size=20, max_overflow=10)
