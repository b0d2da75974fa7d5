# flags: AG540
from sqlalchemy.exc import IntegrityError

from db import session
from models import User

try:
    user = User(email="alice@example.com", name="Alice")
    session.add(user)
    session.commit()
except IntegrityError as e:
    print(f"Duplicate entry: {e.orig}")
