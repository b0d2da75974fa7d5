# flags: AG502,AG503,AG504,AG521
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

app = FastAPI()
mysql_engine = create_engine("mysql+pymysql://u:p@localhost/shop", pool_pre_ping=True, pool_recycle=31000)
serverless = create_engine("postgresql+psycopg2://u:p@localhost/shop", poolclass=NullPool, pool_size=20)
memory = create_engine("sqlite:///:memory:")
async_engine = create_async_engine("mysql://u:p@localhost/shop")
