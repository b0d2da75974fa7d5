# flags: AG520
from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from models import User

engine = create_engine("postgresql://user:pass@localhost/db")
SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
app = FastAPI()


@app.get("/users")
async def list_users():
    db = SessionLocal()
    try:
        return db.query(User).all()
    finally:
        db.close()
