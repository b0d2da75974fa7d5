"""WRONG engine configurations for a long-running Flask service."""

from flask import Flask
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

app = Flask(__name__)

engine = create_engine("mysql+pymysql://app@127.0.0.1:3306/shop", pool_size=10)
batch_engine = create_engine("mysql+pymysql://app@127.0.0.1:3306/shop", poolclass=NullPool, pool_size=5, pool_pre_ping=True)
cache_engine = create_engine("sqlite://")
SessionLocal = sessionmaker(bind=engine)
