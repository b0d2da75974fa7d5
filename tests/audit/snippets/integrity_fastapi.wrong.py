# flags: AG540
from fastapi import Depends, FastAPI
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from database import get_db
from models import User

app = FastAPI()


@app.post("/users")
def create_user(email: str, db: Session = Depends(get_db)):
    user = User(email=email)
    db.add(user)
    try:
        db.commit()
    except IntegrityError:
        return {"error": "Email already registered"}
    db.refresh(user)
    return user
