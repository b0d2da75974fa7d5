import os

from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL = os.environ["DATABASE_URL"]
engine = create_async_engine(
    DATABASE_URL,
    pool_pre_ping=True,   # Detects dead connections before use
    pool_recycle=1800,    # Recycle after 30 minutes
)
