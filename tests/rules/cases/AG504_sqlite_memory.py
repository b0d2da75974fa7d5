from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

app = FastAPI()

# WRONG
engine = create_engine("sqlite://")  # expect: AG504
engine2 = create_engine("sqlite:///:memory:", connect_args={"check_same_thread": False})  # expect: AG504
engine3 = create_engine("sqlite://", poolclass=StaticPool)  # expect: AG504

# CORRECT
ok = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
file_db = create_engine("sqlite:///./app.db", connect_args={"check_same_thread": False})
