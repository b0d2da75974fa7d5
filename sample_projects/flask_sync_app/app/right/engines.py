"""CORRECT engine configurations for a long-running Flask service."""

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

app = Flask(__name__)

shop_engine = create_engine("mysql+pymysql://app@127.0.0.1:3306/shop", pool_size=10, pool_pre_ping=True, pool_recycle=3600)
worker_engine = create_engine("mysql+pymysql://app@127.0.0.1:3306/shop", poolclass=NullPool, pool_pre_ping=True)
memo_engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
ShopSession = sessionmaker(bind=shop_engine)
